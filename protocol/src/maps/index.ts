export * from "./types";
export * from "./validate";
export * from "./decode";
export * from "./plan";
