// Public API of @manure-edge/protocol. See docs/ARCHITECTURE.md for the contract.
export * from "./clock";
export * from "./topics";
export * from "./wire/types";
export * from "./modbus/crc";
export * from "./modbus/timing";
export * from "./modbus/pdu";
export * from "./modbus/rtu";
export * from "./modbus/assembler";
export * from "./modbus/hex";
// Validation result shape shared by every validator; the path/reason helpers stay internal.
export { describeInvalid } from "./validation";
export type { Invalid, ValidationResult } from "./validation";
export * from "./maps/index";
export * from "./wire/validate";
export * from "./config/node-config";
export * from "./nmea/index";
