export {};
export * from "./espruino";
