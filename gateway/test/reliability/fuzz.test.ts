import { afterEach, beforeEach, expect, it } from "vitest";
import fc from "fast-check";
import { validateUplink, MAX_MESSAGE_BYTES } from "@manure-edge/protocol";
import { tempDir } from "../../../test/support/tmp";
import { startGateway, TestNode, up } from "../support/gateway-fixture";
import { waitFor } from "../support/wait";
import type { Gateway } from "../../src/gateway";

let tmp: ReturnType<typeof tempDir>;
let gw: Gateway | null = null;
const nodes: TestNode[] = [];

beforeEach(() => {
  tmp = tempDir("gw-fuzz-");
});
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.end().catch(() => undefined);
  await gw?.stop();
  tmp.cleanup();
});

const T = Date.UTC(2026, 2, 1);
const valid = (s: number) => up("pit-2", 9, s, [["lvl.distance", T + s, 1.5, 0], ["pile.t1", T + s, 60, 0, { p: [30.5, 120.1, 1] }]]);

/** Payloads: random bytes, random JSON, and valid messages with one field replaced or removed. */
const payloadArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j) ?? "null")),
  fc
    .record({
      s: fc.integer({ min: 1, max: 1_000_000 }),
      field: fc.constantFrom("v", "n", "b", "s", "t", "cs", "up", "r", "r0", "r0k", "r0t", "r0v", "r0f", "r0x", "extra"),
      value: fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.double(), fc.string({ maxLength: 80 })),
    })
    .map(({ s, field, value }) => {
      const m = valid(s) as Record<string, unknown>;
      const r = m.r as unknown[][];
      const set = (o: Record<string | number, unknown>, k: string | number) => {
        if (value === undefined) delete o[k];
        else o[k] = value;
      };
      if (field === "r0") set(r as unknown as Record<number, unknown>, 0);
      else if (field === "r0k") set(r[0] as unknown as Record<number, unknown>, 0);
      else if (field === "r0t") set(r[0] as unknown as Record<number, unknown>, 1);
      else if (field === "r0v") set(r[0] as unknown as Record<number, unknown>, 2);
      else if (field === "r0f") set(r[0] as unknown as Record<number, unknown>, 3);
      else if (field === "r0x") set(r[1] as unknown as Record<number, unknown>, 4);
      else if (field === "extra") m.zz = value;
      else set(m, field);
      return Buffer.from(JSON.stringify(m));
    }),
  fc.constant(Buffer.alloc(MAX_MESSAGE_BYTES + 10, 0x20)),
);

it("thousands of fuzzed MQTT payloads: no crash, each invalid one rejected with a reason, interleaved good messages all stored", { timeout: 300_000 }, async () => {
  gw = await startGateway(tmp.dir);
  const good = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
  const fuzzer = await TestNode.connect(gw.mqttPort, "pit-2", "pw-pit-2");
  nodes.push(good, fuzzer);
  const payloads = fc.sample(payloadArb, { numRuns: 3000, seed: 20261123 });
  let invalid = 0;
  const validSeqs = new Set<number>();
  for (const p of payloads) {
    let ok = false;
    if (p.length <= MAX_MESSAGE_BYTES) {
      try {
        const v = validateUplink(JSON.parse(p.toString("utf8")), "pit-2");
        ok = v.ok;
        if (v.ok) validSeqs.add(v.value.s);
      } catch {
        ok = false;
      }
    }
    if (!ok) invalid++;
  }
  expect(invalid).toBeGreaterThan(1000);
  let g = 0;
  for (let i = 0; i < payloads.length; i++) {
    await fuzzer.client.publishAsync("manure/demo/node/pit-2/up", payloads[i], { qos: 1 });
    if (i % 3 === 0) await good.publishUp(up("pit-1", 1, ++g, [["lvl.distance", T + g * 1000, g, 0]]));
  }
  // Junk on the status topic too.
  await fuzzer.client.publishAsync("manure/demo/node/pit-2/status", "{\"v\":1,\"state\":\"sleepy\"}", { qos: 1 });
  await good.waitAck(1, g);
  await waitFor(() => gw!.store.tableCounts().rejects === invalid + 1, `${invalid + 1} rejects stored`, 60_000);
  expect(gw.store.tableCounts().messages).toBe(g + validSeqs.size);
  const sid = gw.store.sensorId("pit-1", "lvl.distance")!;
  expect(gw.store.rawReadings(sid, 0, Number.MAX_SAFE_INTEGER).map((r) => r.value)).toEqual(Array.from({ length: g }, (_, i) => i + 1));
  const rejects = gw.store.db.prepare("SELECT reason FROM rejects").all() as { reason: string }[];
  for (const r of rejects) expect(r.reason.length).toBeGreaterThan(3);
  const counted = [...gw.metrics.render().matchAll(/^gateway_rejects_total\{reason="[^"]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  expect(counted).toBe(invalid + 1);
  expect(gw.health().ok).toBe(true);
});
