import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock";
import { Rs485Bus } from "../bus/rs485-bus";
import { FineClock } from "../bus/fine-clock";
import { EspruinoRuntime } from "./runtime";
import { LoopbackPort, transceiverPort } from "./uart";
import { GpsEmitter } from "../gps/gps-emitter";

const rts: EspruinoRuntime[] = [];
afterEach(() => {
  for (const r of rts.splice(0)) r.dispose();
});

describe("Serial on a loopback port", () => {
  it("setup, write (string, array, Uint8Array), data events as binary strings, buffering without a listener", () => {
    const clock = new VirtualClock();
    const port = new LoopbackPort(false, { baud: 9600 });
    const rt = new EspruinoRuntime({
      clock,
      uarts: { Serial3: port },
      bundle: `
        Serial3.write("lost before setup");
        Serial3.setup(9600, { rx: D16, tx: D17 });
        Serial3.write("AB", [1, 2], new Uint8Array([255]), 7);
        Serial3.println("x");
        var got = [];
      `,
    });
    rts.push(rt);
    rt.boot();
    expect(port.written).toEqual([65, 66, 1, 2, 255, 7, 120, 13, 10]);
    expect(rt.stats.serialTxDropped).toBe("lost before setup".length);
    port.inject("$GPRMC");
    port.inject(new Uint8Array([0xff, 0x00]));
    expect(rt.evaluate("Serial3.available()")).toBe(8);
    expect(rt.evaluate("Serial3.read(3)")).toBe("$GP");
    expect(rt.evaluate("Serial3.read()")).toBe("RMC\xff\x00");
    rt.evaluate('Serial3.on("data", function (d) { got.push(d); }) && 0');
    port.inject("ab");
    port.inject("c");
    expect(rt.evaluate("got")).toEqual(["ab", "c"]);
    expect(rt.evaluate("Serial3.available()")).toBe(0);
  });

  it("a Serial set to the wrong baud reads garbage", () => {
    const clock = new VirtualClock();
    const port = new LoopbackPort(false, { baud: 9600 });
    const rt = new EspruinoRuntime({ clock, uarts: { Serial2: port }, bundle: `Serial2.setup(19200); var got = ""; Serial2.on("data", function (d) { got += d; });` });
    rts.push(rt);
    rt.boot();
    port.inject("hello");
    expect(rt.evaluate("got")).not.toBe("hello");
    expect(rt.stats.lineMismatchBytes).toBe(5);
    expect(() => rt.evaluate("Serial2.setup(9600, {parity: 'x'})")).toThrow(/Invalid parity/);
  });
});

describe("UART pin wiring", () => {
  it("a Serial set up on other pins than the port is soldered to (or on the defaults) is not connected", () => {
    const clock = new VirtualClock();
    const port = new LoopbackPort(false, { baud: 9600 });
    const rt = new EspruinoRuntime({
      clock, uarts: { Serial2: port }, uartPins: { Serial2: { rx: "D16", tx: "D17" } },
      bundle: `var got = ""; Serial2.setup(9600); Serial2.on("data", function (d) { got += d; }); Serial2.write("a");`,
    });
    rts.push(rt);
    rt.boot();
    port.inject("x");
    expect(port.written).toEqual([]); // defaults TX D4 / RX D5: not where the transceiver is
    expect(rt.evaluate("got")).toBe("");
    expect(rt.stats.pinMismatchBytes).toBe(2);
    rt.evaluate("Serial2.setup(9600, { rx: D16, tx: D17 })");
    rt.evaluate('Serial2.write("b")');
    port.inject("y");
    expect(port.written).toEqual([98]);
    expect(rt.evaluate("got")).toBe("y");
  });
});

describe("Serial2 on the byte-level RS485 bus with the DE pin", () => {
  /** A slave that answers any 8-byte request with 7 bytes after a 5 ms turnaround. */
  function busNode(bundle: string, extra: { timerLatencyMs?: number } = {}) {
    const clock = new VirtualClock();
    const fine = new FineClock(clock); // the bus and the node share one sub-ms clock
    const bus = new Rs485Bus(fine, { baud: 9600 });
    const master = bus.attachMaster({ chunkMs: 10 });
    const slave = bus.attach("slave", { chunkMs: 0 });
    let req: number[] = [];
    const requests: number[][] = [];
    slave.setHandlers({
      onData: (c) => {
        req.push(...c);
        if (req.length < 8) return;
        requests.push(req);
        req = [];
        fine.setTimeout(() => {
          slave.setDE(true);
          slave.write([1, 3, 2, 0x12, 0x34, 0xb5, 0x33]);
          slave.whenTxIdle(() => slave.setDE(false));
        }, 5);
      },
    });
    const rt = new EspruinoRuntime({ clock: fine, bundle, uarts: { Serial2: transceiverPort(master, bus.config) }, dePins: { D4: "Serial2" }, ...extra });
    rts.push(rt);
    return { clock, bus, master, rt, requests };
  }

  it("a master that drops DE after the last byte has left gets the whole reply, in chunks", () => {
    const { clock, rt, requests, master } = busNode(`
      Serial2.setup(9600, { rx: D16, tx: D17 });
      var reply = "", chunks = 0;
      Serial2.on("data", function (d) { reply += d; chunks++; });
      function poll() {
        digitalWrite(D4, 1);
        Serial2.write([1, 3, 0, 0, 0, 1, 0x84, 0x0a]);
        // 8 chars x 10 bits at 9600 baud = 8.33 ms, plus margin
        setTimeout(function () { digitalWrite(D4, 0); }, 8 * 10 * 1000 / 9600 + 0.5);
      }
      setTimeout(poll, 100);
    `);
    rt.boot();
    clock.advance(1000);
    expect(rt.uncaughtErrors).toEqual([]);
    expect(requests).toEqual([[1, 3, 0, 0, 0, 1, 0x84, 0x0a]]);
    expect(rt.evaluate("reply.split('').map(function (c) { return c.charCodeAt(0); })")).toEqual([1, 3, 2, 0x12, 0x34, 0xb5, 0x33]);
    expect(rt.evaluate("chunks")).toBeGreaterThanOrEqual(1);
    expect(master.stats.txCut).toBe(0);
  });

  it("dropping DE right after write() (flush returns early, as on ESP32) cuts the request", () => {
    const { clock, rt, requests, master } = busNode(`
      Serial2.setup(9600);
      setTimeout(function () {
        digitalWrite(D4, 1);
        Serial2.write([1, 3, 0, 0, 0, 1, 0x84, 0x0a]);
        Serial2.flush();
        digitalWrite(D4, 0);
      }, 100);
    `);
    rt.boot();
    clock.advance(1000);
    expect(requests).toEqual([]);
    expect(master.stats.txCut + master.stats.txLostDeLow).toBe(8);
  });

  it("with the interpreter's latency (timerLatencyMs), a DE release timed with no margin cuts the last byte", () => {
    const bundle = `
      Serial2.setup(9600);
      setTimeout(function () {
        digitalWrite(D4, 1);
        Serial2.write([1, 3, 0, 0, 0, 1, 0x84, 0x0a]);
        setTimeout(function () { digitalWrite(D4, 0); }, 8 * 10 * 1000 / 9600 - 0.2); // released too early
      }, 100);
    `;
    const exact = busNode(bundle);
    exact.rt.boot();
    exact.clock.advance(1000);
    expect(exact.master.stats.txCut).toBe(1);
    const late = busNode(bundle, { timerLatencyMs: 1.5 });
    late.rt.boot();
    late.clock.advance(1000);
    // 1.5 ms late, the release now falls after the last stop bit: the latency is modelled
    expect(late.master.stats.txCut).toBe(0);
    expect(late.requests).toEqual([[1, 3, 0, 0, 0, 1, 0x84, 0x0a]]);
  });

  it("power loss releases DE and stops reception", () => {
    const { rt, master } = busNode(`Serial2.setup(9600); digitalWrite(D4, 1);`);
    rt.boot();
    expect(master.de).toBe(true);
    expect(rt.pinOutput(4)).toBe(1);
    rt.powerLoss();
    expect(master.de).toBe(false);
  });
});

describe("Serial3 on the GPS receiver's line", () => {
  it("receives RMC/GGA sentences in chunks and can assemble whole lines", () => {
    const clock = new VirtualClock({ start: Date.UTC(2026, 7, 15, 6, 0, 0, 300) });
    const gps = new GpsEmitter(clock, { position: () => ({ lat: 41.8, lon: 120.75, speedKnots: 0, course: 0 }) });
    const port = transceiverPort(gps.line.attach("node", { chunkMs: 10 }), gps.line.config);
    const rt = new EspruinoRuntime({
      clock: gps.line.clock,
      uarts: { Serial3: port },
      bundle: `
        var buf = "", lines = [], chunks = 0;
        Serial3.setup(9600, { rx: D16, tx: D17 });
        Serial3.on("data", function (d) {
          chunks++;
          buf += d;
          var i;
          while ((i = buf.indexOf("\\n")) >= 0) { lines.push(buf.substr(0, i).trim()); buf = buf.substr(i + 1); }
        });
      `,
    });
    rts.push(rt);
    gps.start();
    rt.boot();
    clock.advance(3_000);
    const lines = rt.evaluate("lines") as string[];
    expect(lines.length).toBe(6);
    expect(lines[0]).toMatch(/^\$G[NP]RMC,060001\.00,A,4148\.0+,N,12045\.0+,E,/);
    expect(lines[1]).toMatch(/^\$G[NP]GGA,060001/);
    // ~70-char sentences at 9600 baud arrive in several 10 ms chunks, as from Espruino's UART task
    expect(rt.evaluate("chunks") as number).toBeGreaterThan(12);
    gps.stop();
  });
});
