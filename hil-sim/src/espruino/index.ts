export { EspruinoRuntime, crc32, type EspruinoRuntimeOptions, type ConsoleLine, type ResetReason, type RuntimeStats, type SerialName } from "./runtime";
export { BundleRejectedError, checkBundle, lintEspruino, unsupportedRegexFeature, type RegexFinding, type LintFinding } from "./es5";
export { FlashStorage, FlashError, ESP32_STORAGE_BYTES, type FlashStats, type FlashWear, type FlashOptions } from "./flash";
export { LoopbackPort, transceiverPort, type UartPort } from "./uart";
export { WifiAccessPoint, DEFAULT_WIFI_TIMING, type WifiTiming } from "./wifi";
export { VirtualNetwork, SOCKET_ERR, type IoTracker, type NetworkStats } from "./net";
export { MemoryEstimator, ESP32_LAYOUT, LINUX64_LAYOUT, type MemoryOptions, type BlockLayout } from "./memory";
export { stripToEspruino, ABSENT_GLOBALS } from "./builtins";
export { W5500Module, WiznetChip, type W5500Options } from "./wiznet";
