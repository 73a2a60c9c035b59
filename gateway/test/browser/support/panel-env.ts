import { tempDir } from "../../../../test/support/tmp";
import { startGateway, TestNode } from "../../support/gateway-fixture";
import type { Gateway } from "../../../src/gateway";
import { createEngineSink } from "../../../src/rules/sink";
// @ts-expect-error plain ES module without types (the panel's esbuild script)
import { buildPanel } from "../../../panel/build.mjs";
import { OffsetClock } from "./offset-clock";

export const T0 = Date.UTC(2026, 2, 1, 2, 0); // 10:00 in China (UTC+8)
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/**
 * One facility of each kind on two nodes: pit-1 carries the store's distance sensor and the
 * pile's probes, pit-2 the tanker's load cell. The pile was built 3 days before T0.
 */
export function facilities(extraStores = 0) {
  const stores: { rainSensor?: string; [k: string]: unknown }[] = [
    { id: "pit1", name: "一号贮存池", type: "concrete", covered: true, surfaceM2: 100, depthToLipM: 3, mounting: { kind: "distance-above", mountHeight: 0.5 }, levelSensor: "pit-1/lvl.distance", rainSensor: "pit-1/rain.rain_total" },
  ];
  for (let i = 0; i < extraStores; i++) stores.push({ id: `b${i}`, name: `B${i}`, type: "concrete", covered: true, surfaceM2: 50, depthToLipM: 3, mounting: { kind: "distance-above", mountHeight: 0.5 }, levelSensor: `pit-2/b${i}.distance` });
  return {
    reorderMin: 0,
    stores,
    piles: [
      { id: "pile1", name: "一号堆肥", kind: "windrow", probes: [{ sensor: "pit-1/pile.t1", position: "core" }, { sensor: "pit-1/pile.t2", position: "outer" }], preset: "gbt36195", built: T0 - 3 * DAY },
    ],
    tankers: [
      {
        id: "tk1", name: "运输车一号", weightSensor: "pit-2/scale.weight", weightUnit: "kg", capacityT: 10, homePit: "pit1",
        fields: [{ id: "f1", name: "东田", centre: [30.5, 114.3], radiusM: 300, areaMu: 20, crop: "dry", seasons: [{ name: "2026-spring", start: "2026-01-01", end: "2026-06-30" }] }],
      },
    ],
  };
}

export interface PanelEnv {
  gw: Gateway;
  base: string;
  clock: OffsetClock;
  pit1: TestNode;
  pit2: TestNode;
  /** Publishes readings as pit-1 or pit-2 and waits for the gateway's ack (committed). */
  publish(node: "pit-1" | "pit-2", readings: Reading[]): Promise<void>;
  /** Publishes the node's retained status message (protocol StatusMessage). */
  status(node: "pit-1" | "pit-2", msg: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real gateway (embedded aedes, SQLite in a temp dir, the rules engine, HTTP on 127.0.0.1:0
 * serving the freshly built panel) with users op / view and three days of history.
 */
export async function startPanelEnv(opts: { extraStores?: number; history?: boolean } = {}): Promise<PanelEnv> {
  await buildPanel();
  const tmp = tempDir("panel-");
  const fac = facilities(opts.extraStores ?? 0);
  const clock = new OffsetClock(T0);
  const gw = await startGateway(tmp.dir, { http: { host: "127.0.0.1", port: 0 }, facilities: fac }, clock, createEngineSink(fac));
  gw.store.addUser("op", "operator-pass-1", "operator");
  gw.store.addUser("view", "viewer-pass-1", "viewer");
  const pit1 = await TestNode.connect(gw.mqttPort, "pit-1", "pw-pit-1");
  const pit2 = await TestNode.connect(gw.mqttPort, "pit-2", "pw-pit-2");
  const seq: Record<string, number> = { "pit-1": 0, "pit-2": 0 };
  const publish = async (node: "pit-1" | "pit-2", readings: Reading[]) => {
    const n = node === "pit-1" ? pit1 : pit2;
    for (let i = 0; i < readings.length; i += 500) {
      const s = ++seq[node];
      const chunk = readings.slice(i, i + 500);
      await n.publishUp({ v: 1, n: node, b: 1, s, t: clock.now(), cs: 1, up: 1_000_000 + s * 1000, r: chunk });
      await n.waitAck(1, s);
    }
  };
  const status = async (node: "pit-1" | "pit-2", msg: Record<string, unknown>) => {
    const n = node === "pit-1" ? pit1 : pit2;
    await n.client.publishAsync(`manure/demo/node/${node}/status`, JSON.stringify({ v: 1, b: 1, t: clock.now(), cs: 1, ...msg }), { qos: 1, retain: true });
  };
  if (opts.history !== false) {
    await history(clock.now(), publish);
    // Firmware, buffer and Modbus counters as a node reports them: 20 errors in 2 000 transactions (1 %).
    await status("pit-1", { state: "online", fw: "0.3.1", up: 3_600_000, buf: { ram: 2, flash: 5, dropped: 0 }, dev: { lvl: { ok: 980, err: 20, off: 0 }, pile: { ok: 1000, err: 0, off: 0 } } });
    await status("pit-2", { state: "online", fw: "0.3.1", up: 3_600_000, buf: { ram: 0, flash: 0, dropped: 0 }, dev: { scale: { ok: 500, err: 0, off: 0 } } });
  }
  return {
    gw, base: `http://127.0.0.1:${gw.http.port}`, clock, pit1, pit2, publish, status,
    close: async () => {
      await pit1.end().catch(() => undefined);
      await pit2.end().catch(() => undefined);
      await gw.stop();
      tmp.cleanup();
    },
  };
}

/**
 * Three days of readings every 20 min up to `now`: the store at about 2 m (freeboard 1 m), the
 * pile's core around 62 °C and outer probe around 55 °C (≥ 50 °C all along: harmlessness
 * progressing). The tanker (a load cell read every 15 s, with GNSS positions) this morning:
 * filled with 6 t at the pit, drove to field f1 and spread it there (a load and an unload in
 * the ledger, 6 t applied on f1 against its cap).
 */
async function history(now: number, publish: PanelEnv["publish"]): Promise<void> {
  const a: Reading[] = [];
  const start = now - 3 * DAY;
  for (let t = start; t <= now - MIN; t += 20 * MIN) {
    const k = (t - start) / DAY;
    a.push(["lvl.distance", t, Math.round((1.6 - 0.1 * k) * 1000) / 1000, 0]);
    a.push(["pile.t1", t, Math.round((62 + 3 * Math.sin(k * 6)) * 10) / 10, 0]);
    a.push(["pile.t2", t, Math.round((55 + 2 * Math.sin(k * 5)) * 10) / 10, 0]);
    a.push(["rain.rain_total", t, rainGauge(t - start), 0]);
  }
  // The rules run on data time: publish in time order across the two nodes (a reading older
  // than what the rules have already processed is only stored, flagged late).
  const all = [...a.map((r) => ["pit-1", r] as const), ...tankerTrip(now - 3 * HOUR).map((r) => ["pit-2", r] as const)].sort((x, y) => x[1][1] - y[1][1]);
  let run: Reading[] = [];
  let node: "pit-1" | "pit-2" = "pit-1";
  for (const [n, r] of all) {
    if (n !== node && run.length > 0) {
      await publish(node, run);
      run = [];
    }
    node = n;
    run.push(r);
  }
  if (run.length > 0) await publish(node, run);
}

/**
 * The store's rain gauge (cumulative mm, as protocol/maps/rain-gauge.json reports it; a 0.1 mm
 * bucket): 10 mm since its last reset, then drizzle, 0.1 mm at each of the 19 readings from 30 h
 * to 36 h after the start (about 1 mm in 3 h: under L8's 2 mm, so the covered store stays
 * quiet), the gauge losing power before the reading at 33 h (it restarts from 0 and counts what
 * fell since).
 */
export const RAIN_MM = 1.9;
function rainGauge(dt: number): number {
  const step = Math.floor((Math.min(dt, 36 * HOUR) - 30 * HOUR) / (20 * MIN)) + 1;
  if (step <= 0) return 10;
  return Math.round((dt < 33 * HOUR ? 10 + 0.1 * step : 0.1 * (step - 9)) * 10) / 10;
}

type Reading = [string, number, number | null, number, { p: [number, number, number] }?];

const PIT: [number, number] = [30.49, 114.285];
const FIELD: [number, number] = [30.5, 114.3];

/** Weight (kg) every 15 s: empty, filling, full, driving, spreading on the field, empty. */
function tankerTrip(t0: number): Reading[] {
  const out: Reading[] = [];
  const phases: { s: number; from: number; to: number; at: [number, number] | "drive" }[] = [
    { s: 240, from: 0, to: 0, at: PIT },
    { s: 240, from: 0, to: 6000, at: PIT },
    { s: 240, from: 6000, to: 6000, at: PIT },
    { s: 300, from: 6000, to: 6000, at: "drive" },
    { s: 240, from: 6000, to: 6000, at: FIELD },
    { s: 360, from: 6000, to: 0, at: FIELD },
    { s: 300, from: 0, to: 0, at: FIELD },
  ];
  let t = t0;
  for (const ph of phases) {
    for (let x = 0; x < ph.s; x += 15) {
      const f = x / ph.s;
      const pos: [number, number] = ph.at === "drive" ? [PIT[0] + (FIELD[0] - PIT[0]) * f, PIT[1] + (FIELD[1] - PIT[1]) * f] : ph.at;
      out.push(["scale.weight", t, Math.round(ph.from + (ph.to - ph.from) * f), 0, { p: [pos[0], pos[1], 1] }]);
      t += 15_000;
    }
  }
  return out;
}
