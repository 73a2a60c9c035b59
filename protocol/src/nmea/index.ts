export * from "./sentence";
export * from "./position";
