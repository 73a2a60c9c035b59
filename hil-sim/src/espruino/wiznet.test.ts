import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { VirtualClock } from "../clock/virtual-clock";
import { EspruinoRuntime } from "./runtime";
import { VirtualNetwork } from "./net";
import { W5500Module } from "./wiznet";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function echoServer(): Promise<number> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  return (server.address() as { port: number }).port;
}

// Wiring of an ESP32 to a W5500 breakout on HSPI-capable pins.
const PINS = { sck: "D18", miso: "D19", mosi: "D23", cs: "D5" };

const CLIENT = `
  var log = [], eth, sock;
  function open() {
    sock = require("net").connect({ host: "192.168.1.10", port: 1883 }, function () { log.push("connected"); sock.write("hi"); });
    sock.on("data", function (d) { log.push("data " + d); });
    sock.on("error", function (e) { log.push("error " + e.code + " " + e.message); });
    sock.on("close", function () { log.push("close"); });
  }
  function up(opts) {
    SPI1.setup({ sck: D18, miso: D19, mosi: D23, baud: 8000000 });
    eth = require("WIZnet").connect(SPI1, D5);
    log.push("eth " + (eth ? "ok" : "none"));
    if (!eth) return;
    log.push("setIP " + eth.setIP(opts, function (err) { log.push("cb " + err + " " + eth.getIP().ip); }));
  }
`;

/** Statements (evaluate() takes one expression). */
function exec(rt: EspruinoRuntime, code: string): unknown {
  return rt.evaluate(`(function () { ${code}; })()`);
}

function nodeWith(port: number, w5500?: W5500Module) {
  const clock = new VirtualClock();
  const network = new VirtualNetwork();
  network.settleWallMs = 2000;
  network.route("192.168.1.10:1883", { host: "127.0.0.1", port });
  const rt = new EspruinoRuntime({ clock, bundle: CLIENT, network, w5500 });
  cleanups.push(() => rt.dispose());
  rt.boot();
  return { clock, network, rt };
}

describe("WIZnet W5500 emulation", () => {
  it("is absent on a board without one, as on a build without USE_WIZNET", async () => {
    const { rt } = nodeWith(await echoServer());
    expect(() => rt.evaluate('require("WIZnet")')).toThrow(/Module WIZnet not found/);
    expect(rt.evaluate("process.env.MODULES")).not.toMatch(/WIZnet/);
  });

  it("DHCP: connect, setIP(null, cb), getIP; require('net') then goes through the W5500", async () => {
    const w = new W5500Module({ pins: PINS });
    const { clock, rt } = nodeWith(await echoServer(), w);
    expect(exec(rt, 'SPI1.setup({ sck: D18, miso: D19, mosi: D23 }); return require("WIZnet").connect(SPI1, D5).getIP().ip')).toBe("0.0.0.0");
    // before any address, TCP has no route
    rt.evaluate("open()");
    await clock.runFor(1_000);
    expect(rt.evaluate("log")).toContain("close");
    exec(rt, "log = []; up(null)");
    expect(rt.evaluate("log")).toEqual(["eth ok", "setIP true"]);
    await clock.runFor(2_000);
    expect(rt.evaluate("log")).toEqual(["eth ok", "setIP true", "cb null 192.168.1.60"]);
    expect(rt.evaluate("eth.getIP()")).toEqual({ ip: "192.168.1.60", subnet: "255.255.255.0", gateway: "192.168.1.1", dns: "192.168.1.1", mac: "00:08:dc:01:02:03" });
    expect(rt.evaluate("eth.getStatus().phylink")).toBe("up");
    rt.evaluate("open()");
    await clock.runFor(2_000);
    expect(rt.evaluate("log")).toContain("data hi");
    expect(w.stats.dhcpOk).toBe(1);
  });

  it("static address: setIP(options) takes only the fields given", async () => {
    const { clock, rt } = nodeWith(await echoServer(), new W5500Module());
    rt.evaluate('up({ ip: "10.1.2.3", subnet: "255.255.0.0", gateway: "10.1.0.1", dns: "10.1.0.2" })');
    await clock.runFor(100);
    expect(rt.evaluate("log")).toEqual(["eth ok", "setIP true", "cb null 10.1.2.3"]);
    expect(rt.evaluate("eth.getIP().dns")).toBe("10.1.0.2");
  });

  it("faults: no module, wrong pins, DHCP failing, cable pulled and plugged back", async () => {
    const w = new W5500Module({ pins: PINS });
    w.present = false;
    const { clock, rt } = nodeWith(await echoServer(), w);
    rt.evaluate("up(null)");
    expect(rt.evaluate("log")).toEqual(["eth none"]);
    expect(rt.consoleText()).toMatch(/WIZnet Initialize failed\./);
    w.present = true;
    exec(rt, 'log = []; SPI1.setup({ sck: D14, miso: D12, mosi: D13 }); log.push(String(require("WIZnet").connect(SPI1, D5)))');
    expect(rt.evaluate("log")).toEqual(["undefined"]);
    expect(() => rt.evaluate('require("WIZnet").connect(new SPI(), D5)')).toThrow(/Expecting SPI device/);

    w.dhcpFailures = 1;
    exec(rt, "ticks = 0; setInterval(function () { ticks++; }, 1000)");
    exec(rt, "log = []; up(null)");
    expect(rt.evaluate("log")).toEqual(["eth ok", "setIP false"]);
    await clock.runFor(29_000);
    expect((rt.evaluate("log") as string[]).length).toBe(2); // the exchange takes 3 × 10 s
    expect(rt.evaluate("ticks")).toBe(0); // and blocks the interpreter: no timer ran
    await clock.runFor(2_000);
    expect(rt.evaluate("log")).toEqual(["eth ok", "setIP false", "cb DHCP failed 0.0.0.0"]);
    // the late ones ran once it ended (an overdue interval catches up: jsinteractive.c adds
    // the interval to its missed time)
    expect(rt.evaluate("ticks")).toBeGreaterThanOrEqual(29);
    expect(rt.warnings).toContain("DHCP failed");
    exec(rt, "log = []; up(null)");
    await clock.runFor(2_000);
    expect(rt.evaluate("log")).toEqual(["eth ok", "setIP true", "cb null 192.168.1.60"]);

    exec(rt, "log = []; open()");
    await clock.runFor(2_000);
    expect(rt.evaluate("log")).toEqual(["connected", "data hi"]);
    w.unplug();
    expect(rt.evaluate("eth.getStatus().phylink")).toBe("down");
    exec(rt, 'sock.write("held")');
    await clock.runFor(5_000);
    expect(rt.evaluate("log")).toEqual(["connected", "data hi"]); // TCP keeps it while the cable is out
    w.plug();
    await clock.runFor(2_000);
    expect(rt.evaluate("log")).toEqual(["connected", "data hi", "data held"]);
    w.unplug();
    exec(rt, "log = []; eth.setIP(null, function (err) { log.push('dhcp ' + err); })");
    await clock.runFor(31_000);
    expect(rt.evaluate("log")).toEqual(["dhcp DHCP failed"]);
  });

  it("connect() without a cable hangs the interpreter until the watchdog resets it", async () => {
    const w = new W5500Module();
    w.unplug();
    const { clock, rt } = nodeWith(await echoServer(), w);
    exec(rt, "E.enableWatchdog(10, false); n = 0; setInterval(function () { n++; }, 1000)");
    await clock.runFor(2_500);
    expect(rt.evaluate("n")).toBe(2);
    expect(() => rt.evaluate("up(null)")).toThrow();
    await clock.runFor(5_000);
    expect(rt.hangs).toBe(1);
    expect(rt.stats.resets.watchdog).toBe(0);
    await clock.runFor(10_000);
    expect(rt.stats.resets.watchdog).toBe(1);
    expect(rt.running).toBe(true);
  });
});
