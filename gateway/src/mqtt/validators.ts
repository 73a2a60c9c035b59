// The validators the ingest uses: protocol's wire contract (protocol/src/wire/validate.ts).
export { validateUplink, validateStatus, validateCommandResult, readPredecessor, MAX_MESSAGE_BYTES, type ValidationResult } from "@manure-edge/protocol";
