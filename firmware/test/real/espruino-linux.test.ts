/**
 * The built bundle on Espruino's real interpreter (the Linux build, 2v2x), unchanged:
 * Serial2 mapped to a socat pty whose other end is hil-sim's simulated Modbus slaves, MQTT
 * to a real mosquitto through a relay that the test cuts. Runs only when ESPRUINO_BIN
 * points at the binary (built outside this repository from Espruino's public source).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import level from "@manure-edge/protocol/maps/ultrasonic-level.json";
import pt100 from "@manure-edge/protocol/maps/pt100-8ch.json";
import { Q } from "@manure-edge/protocol";
import { SimSlave } from "../../../hil-sim/src/slaves/sim-slave";
import { ServeSession } from "../../../hil-sim/src/serve/session";
import { systemClock } from "../../../hil-sim/src/clock/system";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { tempDir } from "../../../test/support/tmp";
import { buildFirmware } from "../../scripts/build";
import { AckingGateway, waitFor } from "../acking-gateway";
import { LinkCutter } from "../link-cutter";

const BIN = process.env.ESPRUINO_BIN;
const usable = !!BIN && existsSync(BIN);
if (!usable) console.log("firmware/test/real: skipped: set ESPRUINO_BIN to Espruino's Linux binary (make BOARD=LINUX) to run the bundle on the real interpreter");

describe.skipIf(!usable)("the bundle on Espruino's Linux build (runs only when ESPRUINO_BIN points at the binary)", () => {
  const tmp = tempDir("esp-real-");
  let broker: Mosquitto;
  let cutter: LinkCutter;
  let session: ServeSession;
  let gw: AckingGateway;
  let proc: ChildProcess;
  let out = "";

  beforeAll(async () => {
    broker = await startMosquitto();
    cutter = new LinkCutter(broker.port);
    const port = await cutter.start();
    const lvl = new SimSlave(1, level as never, () => 2.5, { clock: systemClock });
    const pile = new SimSlave(2, pt100 as never, (p) => (p.name === "t3" ? null : 55.5), { clock: systemClock });
    session = new ServeSession([lvl, pile], { pty: join(tmp.dir, "tty"), wall: systemClock });
    const ep = await session.start();
    const cfg = {
      node: "real-1", farm: "demo", mqtt: { host: "127.0.0.1", port, keepalive: 10 }, net: { type: "none" },
      bus: { serial: "Serial2", baud: 9600, timeout: 300, retries: 1 },
      devices: [{ id: "lvl", unit: 1, map: "ultrasonic-level", every: 1 }, { id: "pile", unit: 2, map: "pt100-8ch", every: 2 }],
    };
    writeFileSync(join(tmp.dir, "node.json"), JSON.stringify(cfg));
    const fw = join(tmp.dir, "firmware.js");
    await buildFirmware({ config: join(tmp.dir, "node.json"), out: fw, statusEvery: 5, watchdog: 0 });
    // The Linux build maps a UART to a tty through its `path`, set before setup().
    writeFileSync(join(tmp.dir, "run.js"), "Serial2.path = " + JSON.stringify(ep.pty) + ";\n" + readFileSync(fw, "utf8"));
    gw = new AckingGateway(broker.url, "demo", "real-1");
    await gw.start();
    // stdin stays open and empty: at end-of-file the Linux console floods the event queue.
    proc = spawn(BIN!, ["run.js"], { cwd: tmp.dir, stdio: ["pipe", "pipe", "pipe"] });
    proc.stdout!.on("data", (d) => (out += d));
    proc.stderr!.on("data", (d) => (out += d));
  }, 120000);

  afterAll(async () => {
    proc?.kill("SIGKILL");
    await gw?.stop();
    await session?.stop();
    await cutter?.stop();
    await broker?.stop();
    tmp.cleanup();
  });

  it("polls the slaves over the pty and publishes valid uplinks that the gateway acks", async () => {
    await waitFor(() => gw.readings("lvl.distance").length >= 5 && gw.readings("pile.t1").length >= 2, "readings; espruino said:\n" + out, 90000);
    expect(gw.invalid).toEqual([]);
    const d = gw.readings("lvl.distance");
    expect(d[d.length - 1][2]).toBe(2.5);
    expect(gw.readings("pile.t1")[0][2]).toBe(55.5);
    // A probe the slave cannot read comes as a flagged reading with a reason, never dropped.
    const t3 = gw.readings("pile.t3");
    expect(t3.length).toBeGreaterThan(0);
    // Once an ack arrived the clock is synchronised: later readings carry epoch times.
    await waitFor(() => gw.readings("lvl.distance").some((r) => (r[3] & Q.CLOCK_UNSYNC) === 0), "synced readings", 30000);
    const synced = gw.readings("lvl.distance").filter((r) => (r[3] & Q.CLOCK_UNSYNC) === 0);
    expect(Math.abs(synced[synced.length - 1][1] - Date.now())).toBeLessThan(60000);
  }, 120000);

  it("answers commands and reports status with process.memory()", async () => {
    await gw.command("p1", "ping");
    await waitFor(() => gw.results.find((r) => r.id === "p1"), "ping result", 30000);
    await waitFor(() => gw.statuses.length >= 2, "status", 30000);
    const s = gw.statuses[gw.statuses.length - 1];
    expect(s.state).toBe("online");
    expect(s.mem!.total).toBeGreaterThan(1000);
    expect(s.dev!.lvl.ok).toBeGreaterThan(0);
    console.log("real interpreter status:", JSON.stringify(s));
  }, 60000);

  it("loses nothing when the link goes down and comes back", async () => {
    const before = gw.messages.size;
    await cutter.cut();
    await new Promise((r) => setTimeout(r, 12000)); // the node keeps polling and queues
    await cutter.restore();
    await waitFor(() => gw.messages.size > before + 8 && gw.gaps().length === 0, "resend after the link is back", 90000).catch((e) => {
      throw new Error(e.message + ": " + gw.messages.size + " messages (" + before + " before the cut), gaps " + gw.gaps().slice(0, 10).join(" ") +
        ", relay connections " + cutter.connections + ", statuses " + JSON.stringify(gw.statuses.slice(-1)) + "\nespruino said:\n" + out.slice(-3000));
    });
    expect(gw.gaps()).toEqual([]);
    expect(gw.invalid).toEqual([]);
    const d = gw.readings("lvl.distance");
    // One reading a second went on while the link was down: no hole of more than a few seconds.
    const times = d.filter((r) => (r[3] & Q.CLOCK_UNSYNC) === 0).map((r) => r[1]);
    let maxGap = 0;
    for (let i = 1; i < times.length; i++) maxGap = Math.max(maxGap, times[i] - times[i - 1]);
    expect(maxGap).toBeLessThan(5000);
    const statuses = gw.statuses.filter((s) => s.mem).map((s) => s.mem!.total - s.mem!.free);
    console.log("real interpreter JsVars used over the run:", statuses.join(" "));
  }, 150000);
});
