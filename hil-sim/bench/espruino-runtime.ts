/**
 * Cost of running firmware in the Espruino runtime, each figure next to a baseline measured in
 * the same run:
 * - timer callbacks per wall second: a bundle's setInterval against a bare VirtualClock
 *   interval doing the same work (the price of the vm context, the FineClock and the timer table);
 * - boot of the real firmware bundle (ES5 check, unhoisting, compile, run to init);
 * - one simulated hour of the real firmware (1 device every 60 s, no broker);
 * - process.memory() on the firmware after that hour (inspector walk of closure scopes)
 *   against the same estimate without closures;
 * - StorageFile appends per wall second (flash model).
 *
 *   npx tsx hil-sim/bench/espruino-runtime.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VirtualClock } from "../src/clock/virtual-clock";
import { EspruinoRuntime, FlashStorage, LoopbackPort } from "../src/espruino";

const rows: [string, string, string][] = [];
const ms = (t: number) => `${t.toFixed(1)} ms`;

// 1. timer throughput
{
  const N = 200_000;
  const base = new VirtualClock();
  let k = 0;
  base.setInterval(() => {
    k++;
  }, 1);
  let t = performance.now();
  base.advance(N);
  const bare = N / ((performance.now() - t) / 1000);
  const clock = new VirtualClock();
  const rt = new EspruinoRuntime({ clock, bundle: "var k = 0; setInterval(function () { k++; }, 1);" });
  rt.boot();
  t = performance.now();
  clock.advance(N);
  const node = N / ((performance.now() - t) / 1000);
  rows.push(["timer callbacks / wall s", `${Math.round(node).toLocaleString()} (k=${String(rt.evaluate("k"))})`, `${Math.round(bare).toLocaleString()} bare VirtualClock (k=${k})`]);
  rt.dispose();
}

// 2-4. the real firmware bundle
const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "fw-bench-"));
try {
  const out = join(dir, "firmware.js");
  execFileSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "firmware/scripts/build.ts"), "--maps", "all", "--out", out], { cwd: root, stdio: "pipe" });
  const bundle = readFileSync(out, "utf8");
  const cfg = {
    node: "pit-1", farm: "demo", base: "manure",
    mqtt: { host: "192.168.1.10", port: 1883, user: "pit-1", pass: "pw", keepalive: 60 },
    net: { type: "wifi", ssid: "farm", pass: "secret-pass" },
    bus: { serial: "Serial2", baud: 9600, parity: "none", stop: 1, rx: "D16", tx: "D17", de: "D4", timeout: 200, retries: 2 },
    devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 60 }],
  };
  const flash = new FlashStorage();
  flash.write("node.json", new TextEncoder().encode(JSON.stringify(cfg)));
  const clock = new VirtualClock();
  let t = performance.now();
  const rt = new EspruinoRuntime({ clock, bundle, flash, uarts: { Serial2: new LoopbackPort(false, { baud: 9600 }) }, dePins: { D4: "Serial2" } });
  rt.boot();
  const bootMs = performance.now() - t;
  rows.push(["install + boot of the firmware bundle", ms(bootMs), `${(bundle.length / 1024).toFixed(1)} KB bundle`]);
  t = performance.now();
  await clock.runFor(3_600_000);
  const hourMs = performance.now() - t;
  rows.push(["1 simulated hour of firmware (no broker)", ms(hourMs), `${Math.round(3_600_000 / hourMs)}x real time`]);
  t = performance.now();
  const usage = rt.memoryUsage();
  const estMs = performance.now() - t;
  const empty = new EspruinoRuntime({ clock: new VirtualClock(), bundle: "var x;" });
  empty.boot();
  t = performance.now();
  const emptyUsage = empty.memoryUsage();
  const emptyMs = performance.now() - t;
  rows.push(["process.memory() estimate, firmware after 1 h", `${ms(estMs)} (usage ${usage} of 16383 JsVars)`, `${ms(emptyMs)} for an empty program (usage ${emptyUsage})`]);
  rt.dispose();
  empty.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// 5. Storage appends
{
  const clock = new VirtualClock();
  const rt = new EspruinoRuntime({ clock, bundle: "var f = require('Storage').open('log', 'a');" });
  rt.boot();
  const N = 5_000;
  let t = performance.now();
  rt.evaluate(`(function () { for (var i = 0; i < ${N}; i++) f.write("reading " + i + "\\n"); return 0; })()`);
  const sf = N / ((performance.now() - t) / 1000);
  t = performance.now();
  rt.evaluate(`(function () { var s = ""; for (var i = 0; i < ${N}; i++) s += "reading " + i + "\\n"; return s.length; })()`);
  const str = N / ((performance.now() - t) / 1000);
  rows.push(["StorageFile appends / wall s", Math.round(sf).toLocaleString(), `${Math.round(str).toLocaleString()} string appends in the same context`]);
  rt.dispose();
}

const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
console.log(`${"measure".padEnd(w[0])} | ${"runtime".padEnd(w[1])} | baseline`);
console.log(`${"-".repeat(w[0])}-|-${"-".repeat(w[1])}-|---------`);
for (const r of rows) console.log(`${r[0].padEnd(w[0])} | ${r[1].padEnd(w[1])} | ${r[2]}`);
