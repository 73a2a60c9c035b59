import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { encodePoint, Q, writePoint, type RegisterMap } from "@manure-edge/protocol";
import pt100 from "@manure-edge/protocol/maps/pt100-8ch.json";
import loadCell from "@manure-edge/protocol/maps/load-cell.json";
import level from "@manure-edge/protocol/maps/ultrasonic-level.json";
import { initHelper, loadModule, record, until } from "./support";

/** manure-decode in the real Node-RED runtime, on registers made with protocol's encoder (what the simulator's slaves answer). */
const helper = initHelper();
let mod: unknown;

beforeAll(async () => {
  mod = await loadModule();
  await helper.startServer();
}, 60_000);
afterEach(async () => {
  await helper.unload();
});
afterAll(async () => {
  await helper.stopServer();
});

async function deploy(map: string, table = "holding", start = 0) {
  await helper.load(mod, [
    { id: "tab", type: "tab" },
    { id: "dec", type: "manure-decode", z: "tab", map, table, start, wires: [["out"]] },
    { id: "out", type: "helper", z: "tab" },
  ]);
  return { dec: record(helper.getNode("dec")), out: record(helper.getNode("out")), input: helper.getNode("dec") };
}

/** The registers of `map`'s holding points from `start` on, `n` long, for these values. */
function registers(map: RegisterMap, values: Record<string, number | null>, start: number, n: number): number[] {
  const regs = new Array<number>(n).fill(0);
  for (const p of map.points) if (p.name in values && p.table === "holding") writePoint(p, values[p.name]!, regs, start);
  return regs;
}

it("decodes a pt100 block: values, units, a broken probe's sentinel as SENSOR_FAULT", async () => {
  const map = pt100 as RegisterMap;
  const { out } = await deploy("pt100-8ch");
  const values = { t1: 55.5, t2: 61.2, t3: -3.4, t4: 0, t5: 48, t6: 70.1, t7: 12.3, t8: null };
  helper.getNode("dec").receive({ payload: registers(map, values, 0, 8) });
  await until(() => out.msgs.length === 1);
  const p = out.msgs[0]!.payload as Record<string, { value: number | null; unit: string | null; flags: number; reason?: string }>;
  expect(Object.keys(p)).toEqual(["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"]);
  for (const k of ["t1", "t2", "t3", "t4", "t5", "t6", "t7"] as const) expect(p[k]).toEqual({ value: values[k], unit: "°C", flags: 0 });
  expect(p.t8).toMatchObject({ value: null, flags: Q.SENSOR_FAULT });
  expect(p.t8!.reason).toMatch(/fault/);
  expect(out.msgs[0]!.map).toBe("pt100-8ch");
});

it("decodes only the points wholly inside the block; msg.start overrides the setting", async () => {
  const map = pt100 as RegisterMap;
  const { out } = await deploy("pt100-8ch", "holding", 0);
  helper.getNode("dec").receive({ payload: registers(map, { t3: 50.5, t4: 51.5, t5: 52.5 }, 2, 3), start: 2 });
  await until(() => out.msgs.length === 1);
  const p = out.msgs[0]!.payload as Record<string, { value: number }>;
  expect(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.value]))).toEqual({ t3: 50.5, t4: 51.5, t5: 52.5 });
});

it("a load cell from a Buffer: a word-ordered 32-bit weight and bits of one register", async () => {
  const map = loadCell as RegisterMap;
  const weight = map.points.find((p) => p.name === "weight")!;
  const regs = registers(map, { stable: 1, overload: 0 }, 0, 3);
  const w = encodePoint(weight, 8230);
  regs[0] = w[0]!;
  regs[1] = w[1]!;
  const buf = Buffer.alloc(6);
  regs.forEach((r, i) => buf.writeUInt16BE(r, 2 * i));
  const { out } = await deploy("load-cell");
  helper.getNode("dec").receive({ payload: buf });
  await until(() => out.msgs.length === 1);
  const p = out.msgs[0]!.payload as Record<string, { value: number }>;
  expect(p.weight!.value).toBe(8230);
  expect(p.stable!.value).toBe(1);
  expect(p.overload!.value).toBe(0);
  expect(p.tare).toBeUndefined(); // a write-only coil, and not in the holding table
});

it("a level below the plausible range is kept and flagged OUT_OF_RANGE", async () => {
  const map = level as RegisterMap;
  const { out } = await deploy("ultrasonic-level");
  helper.getNode("dec").receive({ payload: registers(map, { distance: 0.1 }, 0, 1) });
  await until(() => out.msgs.length === 1);
  expect((out.msgs[0]!.payload as Record<string, unknown>).distance).toMatchObject({ value: 0.1, unit: "m", flags: Q.OUT_OF_RANGE });
});

it("bad input: each message reported with a clear error and counted, no output for it, the next good one decoded", async () => {
  const { dec, out } = await deploy("pt100-8ch");
  const input = helper.getNode("dec");
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ payload: "12,13" }, /^payload: expected an array of register values or a Buffer, got string/],
    [{ payload: [1, 70000] }, /^payload\[1\]: 70000 is not a register value/],
    [{ payload: [1.5] }, /^payload\[0\]: 1\.5 is not a register value/],
    [{ payload: [] }, /^payload: empty/],
    [{ payload: Buffer.alloc(3) }, /^payload: a Buffer of 3 bytes is not whole registers/],
    [{ payload: new Array(126).fill(0) }, /more than one Modbus read carries \(125\)/],
    [{ payload: [1, 2], start: -1 }, /^start: -1 is not an address/],
    [{ payload: [1, 2], table: "eeprom" }, /^table: "eeprom" is not coil, discrete, holding or input/],
    [{ payload: [1, 2], start: 100 }, /^map "pt100-8ch" has no holding point inside addresses 100\.\.101/],
    [{ payload: [true, false], table: "coil" }, /^map "pt100-8ch" has no coil point inside addresses 0\.\.1/],
  ];
  for (const [msg] of bad) input.receive(msg);
  await until(() => dec.errors.length === bad.length, 10_000, "every error");
  bad.forEach(([, re], i) => expect(dec.errors[i]).toMatch(re));
  expect(out.msgs).toEqual([]);
  input.receive({ payload: registers(pt100 as RegisterMap, { t1: 40 }, 0, 1) });
  await until(() => out.msgs.length === 1);
  expect((out.msgs[0]!.payload as Record<string, { value: number }>).t1!.value).toBe(40);
  expect(dec.statuses.at(-1)).toEqual({ fill: "yellow", shape: "dot", text: `1 decoded · ${bad.length} errors` });
});

it("a map that is not shipped: refused at deploy and on every message", async () => {
  const { dec, out } = await deploy("no-such-map");
  helper.getNode("dec").receive({ payload: [1] });
  await until(() => dec.errors.some((e) => e.startsWith("no register map")));
  expect(dec.errors.filter((e) => /^no register map "no-such-map"$/.test(e))).toHaveLength(1);
  expect(out.msgs).toEqual([]);
  const logged = helper.log().args.map((a) => a[0] as { level: number; id?: string; msg?: unknown });
  expect(logged.some((l) => l.id === "dec" && l.level === 20 && /shipped: ambient-th, hydrostatic-level, load-cell/.test(String(l.msg)))).toBe(true);
});
