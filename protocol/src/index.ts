// Public API of @manure-edge/protocol. See docs/ARCHITECTURE.md for the contract.
export * from "./clock";
export * from "./topics";
export * from "./wire/types";
