/**
 * Firmware benchmarks (npm run bench -w firmware): bundle size, JsVars after 1000 poll
 * cycles in hil-sim's Espruino runtime (its estimate), and Modbus bus utilisation against
 * the limit set by frame times. Each row has a baseline measured in the same run.
 * The real interpreter's JsVars figure: bench/real-memory.ts (needs ESPRUINO_BIN).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeReadRequest, t35Us } from "@manure-edge/protocol";
import { buildFirmware, SIZE_TARGET } from "../scripts/build";
import { tempDir } from "../../test/support/tmp";
import { DEFAULT_MASTER, DeviceLink, ModbusMaster } from "../src/modbus/master";
import { BusSlave } from "../test/bus-slave";
import { busRig } from "../test/bus-master";
import { rig } from "../test/hil/rig";

const rows: string[][] = [];
const row = (...c: (string | number)[]) => rows.push(c.map(String));

async function bundleSize() {
  const tmp = tempDir("fw-bench-");
  const cfg = join(tmp.dir, "node.json");
  writeFileSync(cfg, JSON.stringify({
    node: "pit-1", farm: "demo", mqtt: { host: "192.168.1.10", port: 1883 }, net: { type: "wifi", ssid: "farm", pass: "secret-pass" },
    bus: { serial: "Serial2", baud: 9600, de: "D4" },
    devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60 }, { id: "pile1", unit: 2, map: "pt100-8ch", every: 300 }, { id: "scale", unit: 3, map: "load-cell", every: 30, fast: 1 }],
  }));
  const one = await buildFirmware({ config: cfg, out: join(tmp.dir, "a.js") });
  const all = await buildFirmware({ maps: "all", out: join(tmp.dir, "b.js") });
  tmp.cleanup();
  row("bundle, demo config embedded (3 maps)", (one.bytes / 1024).toFixed(1) + " KB", "target " + SIZE_TARGET / 1024 + " KB", one.bytes <= SIZE_TARGET ? "ok" : "over");
  row("bundle, no config, all 7 maps (baseline)", (all.bytes / 1024).toFixed(1) + " KB", "", "");
}

async function jsVars() {
  const r = await rig({ seed: 5 });
  try {
    r.rt.boot();
    await r.clock.runFor(5 * 60_000);
    const base = r.rt.memoryUsage();
    // lvl every 60 s, pile every 300 s: 1000 cycles of lvl = 1000 min.
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      await r.clock.runFor(100 * 60_000);
      samples.push(r.rt.memoryUsage());
    }
    row("JsVars after boot + 5 min (baseline)", base, "of " + r.rt.memoryTotal, "");
    row("JsVars after 1000 poll cycles (hil-sim estimate)", samples[samples.length - 1], "every 100 cycles: " + samples.join(" "), samples[9] - samples[0] < 200 ? "steady" : "growing");
  } finally {
    await r.stop();
  }
}

function busUtilisation() {
  const { clock, bus, uart, de } = busRig(9600);
  const m = new ModbusMaster(uart, de, clock, DEFAULT_MASTER);
  m.start();
  const turnaround = 5;
  const devs: DeviceLink[] = [];
  for (let u = 1; u <= 8; u++) {
    new BusSlave(bus, clock, u, (_a, n) => new Array(n).fill(1), turnaround);
    devs.push(new DeviceLink("d" + u, u));
  }
  // Read 8 registers from each device in turn, back to back, for 60 s.
  let done = 0;
  const next = (i: number) => m.request(devs[i % 8], encodeReadRequest((i % 8) + 1, 3, 0, 8), () => {
    done++;
    next(i + 1);
  });
  next(0);
  const t0 = clock.now();
  clock.advance(60_000);
  const perS = done / ((clock.now() - t0) / 1000);
  // Limit: request 8 bytes + response 21 bytes at 10 bits/char, slave turnaround, t3.5 gap.
  const frameMs = ((8 + 21) * 10 * 1000) / 9600 + turnaround + t35Us(9600) / 1000;
  row("Modbus transactions/s at 9600 baud (8 regs)", perS.toFixed(1), "frame-time limit " + (1000 / frameMs).toFixed(1) + "/s", ((perS * frameMs) / 10).toFixed(0) + " % of limit");
}

async function main() {
  await bundleSize();
  busUtilisation();
  await jsVars();
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  console.log("| " + ["measure", "value", "baseline / limit", "verdict"].map((h, i) => h.padEnd(w[i])).join(" | ") + " |");
  console.log("|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|");
  for (const r of rows) console.log("| " + r.map((c, i) => c.padEnd(w[i])).join(" | ") + " |");
  process.exit(0);
}

void main();
