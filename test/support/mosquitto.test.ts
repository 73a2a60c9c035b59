import { afterAll, beforeAll, expect, it } from "vitest";
import mqtt from "mqtt";
import { startMosquitto, type Mosquitto } from "./mosquitto";

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker.stop();
});

it("starts a real mosquitto that routes a QoS 1 message", async () => {
  const sub = await mqtt.connectAsync(broker.url);
  const pub = await mqtt.connectAsync(broker.url);
  await sub.subscribeAsync("t/x", { qos: 1 });
  const got = new Promise<string>((resolve) => sub.on("message", (_t, p) => resolve(p.toString())));
  await pub.publishAsync("t/x", "hello", { qos: 1 });
  expect(await got).toBe("hello");
  await sub.endAsync();
  await pub.endAsync();
  expect(broker.log()).toContain("mosquitto version");
});
