import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RegisterMap } from "@manure-edge/protocol";
import { packMaps, unpackMaps } from "./maps";
import { stripMap } from "../../scripts/build";

const dir = join(import.meta.dirname, "..", "..", "..", "protocol", "maps");
const maps = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as RegisterMap);

describe("packed register maps", () => {
  it("unpack to what the node decodes with (every map of protocol/maps), and are smaller", () => {
    expect(maps.length).toBeGreaterThanOrEqual(7);
    const packed = packMaps(maps);
    const back = unpackMaps(JSON.parse(JSON.stringify(packed)));
    for (const m of maps) expect(back[m.id]).toEqual(stripMap(m));
    const plain = JSON.stringify(Object.fromEntries(maps.map((m) => [m.id, stripMap(m)])));
    expect(JSON.stringify(packed).length).toBeLessThan(plain.length * 0.6);
  });
});
