/**
 * The shipped register maps (protocol/maps/*.json), validated and embedded by scripts/build.ts:
 * Node-RED loads one CommonJS file, where protocol's directory of JSON files is not at hand.
 */
declare module "manure-edge:maps" {
  import type { RegisterMap } from "@manure-edge/protocol";
  const maps: RegisterMap[];
  export default maps;
}
