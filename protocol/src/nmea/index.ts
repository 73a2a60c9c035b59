export * from "./sentence";
export * from "./position";
export * from "./fix";
