import { expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { assertLocalListeners } from "./local-listeners";

it("refuses the production defaults and fixed ports, accepts 127.0.0.1:0", () => {
  expect(() => assertLocalListeners(parseConfig({}), "defaults")).toThrow(/defaults: .*http is .*0\.0\.0\.0.*8080.*mqtt\.listen/);
  expect(() => assertLocalListeners({ http: { host: "127.0.0.1", port: 8080 }, mqtt: { listen: { host: "127.0.0.1", port: 0 } } }, "x")).toThrow(/http is/);
  expect(() => assertLocalListeners({ mqtt: { listen: { host: "127.0.0.1", port: 0 } } }, "x")).toThrow(/http is "missing/);
  expect(() => assertLocalListeners(parseConfig({ http: { host: "127.0.0.1", port: 0 }, mqtt: { listen: { host: "127.0.0.1", port: 0 } } }), "x")).not.toThrow();
  // With an external broker the gateway does not listen for MQTT itself.
  expect(() => assertLocalListeners({ http: { host: "127.0.0.1", port: 0 }, mqtt: { external: { url: "mqtt://127.0.0.1:1" } } }, "x")).not.toThrow();
});
