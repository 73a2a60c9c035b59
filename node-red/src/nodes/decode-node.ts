import maps from "manure-edge:maps";
import type { Table } from "@manure-edge/protocol";
import { decodeBlock, isTable } from "../decode/block";
import { DecodeInputError, registersFrom } from "../decode/registers";
import type { Node, NodeAPI } from "../red";

interface DecodeConfig {
  map?: string;
  table?: string;
  start?: string | number;
}

/**
 * `manure-decode`: a block of registers (or bits) read from a device, decoded with one of the
 * shipped register maps into engineering values with units and quality flags. msg.start and
 * msg.table, when present, say where the block was read from instead of the node's settings.
 * A message that cannot be decoded is reported with node.error (a Catch node sees it) and
 * counted; it produces no output and nothing else is affected.
 */
export function registerDecode(RED: NodeAPI): void {
  RED.nodes.registerType("manure-decode", function (this: Node, config: DecodeConfig) {
    RED.nodes.createNode(this, config);
    const map = maps.find((m) => m.id === config.map);
    let decoded = 0;
    let errors = 0;
    if (!map) {
      this.status({ fill: "red", shape: "ring", text: `unknown map ${config.map ?? ""}` });
      this.error(`manure-decode: no register map "${config.map ?? ""}" (shipped: ${maps.map((m) => m.id).join(", ")})`);
    }
    const status = () => this.status({ fill: errors ? "yellow" : "green", shape: "dot", text: `${decoded} decoded${errors ? ` · ${errors} errors` : ""}` });
    this.on("input", (msg, send, done) => {
      try {
        if (!map) throw new DecodeInputError(`no register map "${config.map ?? ""}"`);
        const table: unknown = msg.table ?? config.table ?? "holding";
        if (!isTable(table)) throw new DecodeInputError(`table: ${JSON.stringify(table)} is not coil, discrete, holding or input`);
        const start: unknown = msg.start ?? Number(config.start ?? 0);
        if (typeof start !== "number" || !Number.isInteger(start) || start < 0 || start > 0xffff) throw new DecodeInputError(`start: ${JSON.stringify(start)} is not an address 0..65535`);
        msg.payload = decodeBlock(map, table as Table, start, registersFrom(msg.payload, table as Table));
        msg.map = map.id;
        decoded++;
        status();
        send(msg);
        done();
      } catch (e) {
        errors++;
        status();
        done(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}
