/**
 * JsVars in use on Espruino's real interpreter (Linux build) over N poll cycles: the built
 * bundle against hil-sim's slaves on a socat pty, publishing to mosquitto with acks.
 * Needs ESPRUINO_BIN. Usage: ESPRUINO_BIN=... tsx bench/real-memory.ts [cycles=1000]
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import level from "@manure-edge/protocol/maps/ultrasonic-level.json";
import pt100 from "@manure-edge/protocol/maps/pt100-8ch.json";
import rain from "@manure-edge/protocol/maps/rain-gauge.json";
import { SimSlave } from "../../hil-sim/src/slaves/sim-slave";
import { ServeSession } from "../../hil-sim/src/serve/session";
import { systemClock } from "../../hil-sim/src/clock/system";
import { startMosquitto } from "../../test/support/mosquitto";
import { tempDir } from "../../test/support/tmp";
import { buildFirmware } from "../scripts/build";
import { AckingGateway, waitFor } from "../test/acking-gateway";

export async function realMemory(cycles: number): Promise<{ cycle: number; used: number; total: number }[]> {
  const bin = process.env.ESPRUINO_BIN;
  if (!bin) throw new Error("set ESPRUINO_BIN");
  const tmp = tempDir("esp-mem-");
  const broker = await startMosquitto();
  const slaves = [
    new SimSlave(1, level as never, () => 2.5, { clock: systemClock }),
    new SimSlave(2, pt100 as never, () => 55.5, { clock: systemClock }),
    new SimSlave(3, rain as never, () => 12, { clock: systemClock }),
  ];
  const session = new ServeSession(slaves, { pty: join(tmp.dir, "tty"), wall: systemClock });
  const ep = await session.start();
  writeFileSync(join(tmp.dir, "node.json"), JSON.stringify({
    node: "mem-1", farm: "demo", mqtt: { host: "127.0.0.1", port: broker.port, keepalive: 30 }, net: { type: "none" },
    bus: { serial: "Serial2", baud: 9600, timeout: 300, retries: 1 },
    devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 1 }, { id: "pile", unit: 2, map: "pt100-8ch", every: 1 }, { id: "rain", unit: 3, map: "rain-gauge", every: 1 }],
  }));
  await buildFirmware({ config: join(tmp.dir, "node.json"), out: join(tmp.dir, "fw.js"), statusEvery: 15, watchdog: 0 });
  writeFileSync(join(tmp.dir, "run.js"), "Serial2.path = " + JSON.stringify(ep.pty) + ";\n" + readFileSync(join(tmp.dir, "fw.js"), "utf8"));
  const gw = new AckingGateway(broker.url, "demo", "mem-1");
  await gw.start();
  const proc = spawn(bin, ["run.js"], { cwd: tmp.dir, stdio: ["pipe", "ignore", "ignore"] });
  const rows: { cycle: number; used: number; total: number }[] = [];
  const cycleOf = (s: (typeof gw.statuses)[number]) => Object.values(s.dev ?? {}).reduce((a, d) => a + d.ok + d.err, 0);
  try {
    await waitFor(() => {
      const s = gw.statuses.filter((x) => x.mem).pop();
      if (s && (rows.length === 0 || cycleOf(s) !== rows[rows.length - 1].cycle)) rows.push({ cycle: cycleOf(s), used: s.mem!.total - s.mem!.free, total: s.mem!.total });
      return rows.length > 0 && rows[rows.length - 1].cycle >= cycles;
    }, cycles + " poll cycles", cycles * 2000);
  } finally {
    proc.kill("SIGKILL");
    await gw.stop();
    await session.stop();
    await broker.stop();
    tmp.cleanup();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  realMemory(n).then((rows) => {
    console.log("| poll cycles | JsVars used | of total |");
    console.log("|---:|---:|---:|");
    for (const r of rows) console.log(`| ${r.cycle} | ${r.used} | ${r.total} |`);
  });
}
