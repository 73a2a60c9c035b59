import { afterEach, beforeEach, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { tempDir } from "../../../test/support/tmp";
import { freePort } from "../../../test/support/ports";
import { startMosquitto, type Mosquitto } from "../../../test/support/mosquitto";
import { waitFor } from "../support/wait";
import { Store } from "../../src/store/store";
import { EventBus } from "../../src/bus";
import { Metrics } from "../../src/metrics";
import { silentLogger } from "../../src/log";
import { Upstream } from "../../src/features/upstream";
import { parseConfig } from "../../src/config/load";
import { systemClock } from "../../src/clock";

let tmp: ReturnType<typeof tempDir>;
let mosq: Mosquitto | null = null;
beforeEach(() => {
  tmp = tempDir("gw-tls-");
});
afterEach(async () => {
  await mosq?.stop();
  tmp.cleanup();
});

function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(tmp.dir, name + ".crt");
  const key = join(tmp.dir, name + ".key");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" });
  // mosquitto started as root drops to its own user: it must be able to read them.
  chmodSync(tmp.dir, 0o755);
  chmodSync(cert, 0o644);
  chmodSync(key, 0o644);
  return { cert, key };
}

it("forwards over TLS (mqtts) with the county's CA, and refuses a server it cannot verify", async () => {
  const server = selfSigned("server");
  const other = selfSigned("other");
  const tlsPort = await freePort();
  mosq = await startMosquitto({ extraConfig: [`listener ${tlsPort} 127.0.0.1`, `certfile ${server.cert}`, `keyfile ${server.key}`] });
  const consumer = await mqtt.connectAsync(mosq.url, { reconnectPeriod: 0 });
  const got: number[] = [];
  consumer.on("message", (_t, p) => got.push(...(JSON.parse(p.toString()) as { r: [number][] }).r.map((r) => r[0])));
  await consumer.subscribeAsync("manure/demo/gw/+/data", { qos: 1 });

  const store = new Store({ path: join(tmp.dir, "g.db"), synchronous: "FULL", clock: systemClock });
  store.open();
  const T = Date.UTC(2026, 2, 1);
  store.write([{ kind: "up", node: "n", boot: 1, seq: 1, sentT: T, receivedAt: T, readings: [1, 2, 3].map((i) => ({ key: "a.b", t: T + i, value: i, flags: 0, reason: null, lat: null, lon: null, fix: null })) }]);
  const mk = (ca: string, gateway: string) =>
    new Upstream(parseConfig({ upstream: { url: `mqtts://127.0.0.1:${tlsPort}`, tls: { ca }, backoff: { minMs: 50, maxMs: 200 } } }).upstream!, { base: "manure", farm: "demo", gateway }, store, new EventBus(), systemClock, silentLogger, new Metrics());

  const wrong = mk(other.cert, "gwx");
  await wrong.start();
  // Several attempts, none connects: the certificate does not chain to the configured CA.
  await waitFor(() => wrong.connectAttempts >= 3, "three connection attempts");
  expect(wrong.connected).toBe(false);
  expect(wrong.connects).toBe(0);
  await wrong.stop();

  const right = mk(server.cert, "gw1");
  await right.start();
  await waitFor(() => got.length === 3, "3 readings over TLS");
  expect(got).toEqual([1, 2, 3]);
  await right.stop();
  await consumer.endAsync();
  store.close();
});
