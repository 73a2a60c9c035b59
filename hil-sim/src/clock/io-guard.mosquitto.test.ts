import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { VirtualClock } from "./virtual-clock";

// A real broker in the loop: a message published from a timer callback takes real
// milliseconds to come back through mosquitto. With the I/O guard the virtual clock waits for
// it, so it arrives at the virtual instant it was sent; without, the clock races ahead.

let broker: Mosquitto;
let pub: MqttClient;
let sub: MqttClient;

beforeAll(async () => {
  broker = await startMosquitto();
  pub = await connectAsync(broker.url, { clientId: "io-guard-pub" });
  sub = await connectAsync(broker.url, { clientId: "io-guard-sub" });
  await sub.subscribeAsync("hil/#", { qos: 1 });
});

afterAll(async () => {
  await pub?.endAsync();
  await sub?.endAsync();
  await broker?.stop();
});

async function roundTrips(topic: string, guarded: boolean, n: number) {
  // yieldEvery 1000: the clock does not hand the event loop a turn between timers on its own,
  // so only the guard can make it wait for the socket.
  const clock = new VirtualClock({ start: 0, yieldEvery: 1000, ioWaitLimitMs: 10_000 });
  const tickets = new Map<number, () => void>();
  const arrivals: Array<{ sent: number; arrived: number }> = [];
  let allArrived: () => void = () => undefined;
  const done = new Promise<void>((r) => (allArrived = r));
  const onMessage = (t: string, payload: Buffer) => {
    if (t !== topic) return;
    const sent = Number(payload.toString());
    arrivals.push({ sent, arrived: clock.now() });
    tickets.get(sent)?.();
    if (arrivals.length === n) allArrived();
  };
  sub.on("message", onMessage);
  let k = 0;
  const h = clock.setInterval(() => {
    const now = clock.now();
    if (guarded) tickets.set(now, clock.io.begin()); // synchronously, before the socket write
    pub.publish(topic, String(now), { qos: 1 });
    if (++k === n) clock.clearInterval(h);
  }, 60_000);
  await clock.runUntil(n * 60_000 + 1);
  await done; // the unguarded run may finish before its messages come back
  sub.off("message", onMessage);
  return { clock, arrivals };
}

describe("VirtualClock with a real mosquitto in the loop", () => {
  it("guarded: 100 messages each arrive at the virtual instant they were sent; no wait ran out", async () => {
    const { clock, arrivals } = await roundTrips("hil/guarded", true, 100);
    expect(arrivals).toHaveLength(100);
    expect(arrivals.filter((a) => a.arrived !== a.sent)).toEqual([]);
    expect(clock.stats.ioWaits).toBeGreaterThan(0);
    expect(clock.stats.ioWaitTimeouts).toBe(0);
    expect(clock.io.count).toBe(0);
  });

  it("unguarded (control): virtual time runs ahead of the socket, so messages look late", async () => {
    const { arrivals } = await roundTrips("hil/unguarded", false, 100);
    expect(arrivals).toHaveLength(100);
    // The clock ran through all 100 ticks before the event loop read a single reply.
    expect(arrivals.filter((a) => a.arrived === 100 * 60_000 + 1)).toHaveLength(100);
  });
});
