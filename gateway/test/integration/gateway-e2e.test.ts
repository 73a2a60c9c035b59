import { afterEach, beforeEach, expect, it } from "vitest";
import mqtt from "mqtt";
import { tempDir } from "../../../test/support/tmp";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { startGateway, TestNode, up } from "../support/gateway-fixture";
import { waitFor } from "../support/wait";
import type { Gateway } from "../../src/gateway";
import type { UpstreamBatch } from "../../src/features/upstream-payload";

let tmp: ReturnType<typeof tempDir>;
let gw: Gateway | null = null;
let mosq: Mosquitto | null = null;

beforeEach(() => {
  tmp = tempDir("gw-e2e-");
});
afterEach(async () => {
  await gw?.stop();
  await mosq?.stop();
  tmp.cleanup();
});

it("node → embedded broker → store → ack, and on to the county broker with the metrics to show it", async () => {
  mosq = await startMosquitto();
  const county = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
  const batches: UpstreamBatch[] = [];
  county.on("message", (t, p) => {
    if (t.endsWith("/data")) batches.push(JSON.parse(p.toString()));
  });
  await county.subscribeAsync("manure/demo/gw/gw1/#", { qos: 1 });
  gw = await startGateway(tmp.dir, { upstream: { url: mosq.url, batchSize: 4 } });
  const n = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
  const T = Date.UTC(2026, 2, 1);
  for (let s = 1; s <= 5; s++) await n.publishUp(up("pit-1", 1, s, [["lvl.distance", T + s * 60_000, 1 + s / 10, 0], ["lvl.temp", T + s * 60_000, 20, 0]]));
  await n.waitAck(1, 5);
  await waitFor(() => batches.length > 0 && batches[batches.length - 1].last === 10, "10 readings upstream");
  const seqs = batches.flatMap((b) => b.r.map((r) => r[0]));
  expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(batches.every((b) => b.r.length <= 4)).toBe(true);
  expect(batches[0].r[0]).toEqual([1, "pit-1/lvl.distance", T + 60_000, 1.1, 0]);
  await waitFor(() => gw!.health().upstream?.lag === 0, "upstream lag 0");
  const text = gw.metrics.render();
  expect(text).toMatch(/^gateway_readings_stored_total 10$/m);
  expect(text).toMatch(/^gateway_upstream_connected 1$/m);
  expect(text).toMatch(/^gateway_upstream_lag_entries 0$/m);
  expect(text).toMatch(/^gateway_node_last_seen_seconds\{node="pit-1"\} \d+$/m);
  expect(text).toMatch(/^gateway_db_bytes\{file="db"\} [1-9]\d*$/m);
  await n.end();
  await county.endAsync();
});
