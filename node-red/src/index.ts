/**
 * The Node-RED module of manure-edge (package.json "node-red".nodes): scripts/build.ts bundles
 * it, with protocol/ and the register maps, into dist/manure-edge.js, whose module.exports is
 * this function, as Node-RED expects.
 */
import type { NodeAPI } from "./red";
import { registerDecode } from "./nodes/decode-node";
import { registerFeed } from "./nodes/feed-node";
import { registerGateway } from "./nodes/gateway-node";

export default function manureEdge(RED: NodeAPI): void {
  registerGateway(RED);
  registerFeed(RED);
  registerDecode(RED);
}
