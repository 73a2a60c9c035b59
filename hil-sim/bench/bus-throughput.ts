/**
 * Modbus transactions per second on the simulated RS485 bus at 9600 baud (virtual time),
 * against the limit set by frame times, turnaround and the t3.5 gap the master must leave
 * between frames (Modbus over Serial Line V1.02 §2.5.1.1). Also how fast the simulator runs
 * them (wall clock). Run: npx tsx hil-sim/bench/bus-throughput.ts
 */
import { encodeReadRequest, t35Us } from "@manure-edge/protocol";
import { VirtualClock } from "../src/clock/virtual-clock";
import { Rs485Bus } from "../src/bus/rs485-bus";
import { ProbeMaster } from "../src/slaves/probe-master";
import { RegisterBank } from "../src/slaves/register-space";
import { RtuSlave } from "../src/slaves/rtu-slave";

interface Row {
  format: string;
  registers: number;
  turnaroundMs: number;
  chunkMs: number;
  limit: number;
  achieved: number;
  ratio: number;
  wallTps: number;
}

function run(parity: "none" | "even", registers: number, turnaroundMs: number, chunkMs: number, n: number): Row {
  const clock = new VirtualClock({ start: 0, mode: { kind: "asFastAsPossible" } });
  const bus = new Rs485Bus(clock, { baud: 9600, parity });
  const bank = new RegisterBank(1, { holding: Array.from({ length: 125 }, (_, i) => i) });
  new RtuSlave(bus, bank, { turnaroundMs }).start();
  const master = new ProbeMaster(bus, { chunkMs, timeoutMs: 500 });
  const req = encodeReadRequest(1, 3, 0, registers);
  const gap = t35Us(9600) / 1000;
  let done = 0;
  let ok = 0;
  let tEnd = 0;
  const next = () => {
    if (done >= n) return;
    master.transact(req, (r) => {
      done++;
      if (r.ok) ok++;
      // Each transaction's time ends after the gap that follows it.
      if (done === n) tEnd = bus.clock.now() + gap;
      // The master leaves t3.5 of silence before its next request (§2.5.1.1).
      bus.clock.setTimeout(next, gap);
    });
  };
  const wall0 = performance.now();
  const t0 = clock.now();
  next();
  while (done < n) clock.advance(60_000);
  const wallMs = performance.now() - wall0;
  if (ok !== n) throw new Error(`bench: ${n - ok} transactions failed`);
  const virtMs = tEnd - t0;
  const ch = bus.charMs;
  const perTx = 8 * ch + Math.max(turnaroundMs, gap) + (5 + 2 * registers) * ch + gap;
  const limit = 1000 / perTx;
  const achieved = (n * 1000) / virtMs;
  return { format: parity === "none" ? "8N1" : "8E1", registers, turnaroundMs, chunkMs, limit, achieved, ratio: achieved / limit, wallTps: (n * 1000) / wallMs };
}

const rows: Row[] = [];
const N = 2000;
for (const parity of ["none", "even"] as const) {
  for (const registers of [1, 8, 125]) {
    for (const turnaroundMs of [5, 20]) {
      for (const chunkMs of [0, 10]) {
        rows.push(run(parity, registers, turnaroundMs, chunkMs, N));
      }
    }
  }
}

const pad = (s: string | number, w: number) => String(s).padStart(w);
console.log(`Modbus RTU FC03 transactions on the simulated bus at 9600 baud, ${N} each (virtual time)`);
console.log("limit = 1000 / (request + max(turnaround, t3.5) + reply + t3.5 gap), from character times");
console.log(["format", "regs", "turn ms", "chunk ms", "limit tx/s", "achieved tx/s", "ratio", "sim wall tx/s"].map((h, i) => pad(h, [6, 5, 8, 9, 11, 14, 6, 14][i])).join(" "));
for (const r of rows) {
  console.log(
    [r.format, r.registers, r.turnaroundMs, r.chunkMs, r.limit.toFixed(2), r.achieved.toFixed(2), r.ratio.toFixed(3), r.wallTps.toFixed(0)]
      .map((c, i) => pad(c, [6, 5, 8, 9, 11, 14, 6, 14][i]))
      .join(" "),
  );
}
