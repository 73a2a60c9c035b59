import { expect, it } from "vitest";
import type { Clock } from "@manure-edge/protocol";
import type { Net, Socket } from "../hw/types";
import { MqttClient } from "./client";
import { systemClock } from "../../test/node-hw";

/**
 * ../shared/anchors.md (Node-RED: "reconnect storm"): a farm's nodes must not reconnect in
 * step after the gateway comes back. The client waits base/2 + random × base/2, base doubling
 * from backoffMin up to backoffMax, and starts again from backoffMin after a CONNACK.
 */
type Listener = (x?: unknown) => void;

/** A socket the test drives: refused at once, or accepted with a CONNACK (MQTT 3.1.1 §3.2). */
function fakeNet(mode: { accept: boolean }, sockets: { close: () => void }[]): Net {
  return {
    connect(): Socket {
      const on: { [ev: string]: Listener } = {};
      const sock = {
        write: (d: string) => {
          // CONNECT (packet type 1) answered with CONNACK, session not present, return code 0.
          if (d.charCodeAt(0) === 0x10) setTimeout(() => on.data?.("\x20\x02\x00\x00"), 1);
        },
        end: () => undefined,
        on: (ev: string, cb: Listener) => {
          on[ev] = cb;
        },
      } as unknown as Socket;
      setTimeout(() => (mode.accept ? on.connect?.() : on.error?.(new Error("ECONNREFUSED"))), 1);
      sockets.push({ close: () => on.close?.() });
      return sock;
    },
  };
}

it("reconnects with exponential backoff and jitter, capped, and from the start again after a CONNACK", async () => {
  const delays: number[] = [];
  const clock: Clock = {
    ...systemClock,
    setTimeout: (fn: () => void, ms: number) => {
      if (ms <= 800) delays.push(ms); // reconnect delays (the CONNACK timeout is 5 000 ms)
      return systemClock.setTimeout(fn, ms);
    },
  };
  const randoms = [0, 1, 0.5, 0, 1, 0.5, 1];
  const mode = { accept: false };
  const sockets: { close: () => void }[] = [];
  let connects = 0;
  const c = new MqttClient(fakeNet(mode, sockets), clock, {
    host: "gw", port: 1883, clientId: "pit-1", keepalive: 30, clean: false, subscribe: [], backoffMin: 100, backoffMax: 800, connectTimeout: 5000,
  }, { onConnect: () => connects++, onDisconnect: () => undefined, onMessage: () => undefined }, () => randoms.shift() ?? 0.5);
  try {
    c.start();
    await waitUntil(() => delays.length >= 5);
    // base 100, 200, 400, 800, 800 (capped); delay = base/2 + r × base/2 with r = 0, 1, 0.5, 0, 1.
    expect(delays.slice(0, 5)).toEqual([50, 200, 300, 400, 800]);
    mode.accept = true;
    await waitUntil(() => connects === 1);
    // The broker closes the connection: the next wait starts from backoffMin again (r = 0.5).
    const n = delays.length;
    sockets[sockets.length - 1].close();
    await waitUntil(() => delays.length > n);
    expect(delays[n]).toBe(75);
    expect(c.reconnects).toBeGreaterThanOrEqual(6);
  } finally {
    c.stop();
  }
});

async function waitUntil(cond: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
