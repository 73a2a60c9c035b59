import { tempDir } from "../../../test/support/tmp";
import { startGateway, TestNode } from "../support/gateway-fixture";
import type { Gateway } from "../../src/gateway";
import { Api } from "./client";
import { createEngineSink, type EngineSink } from "../../src/rules/sink";

export const T0 = Date.UTC(2026, 2, 1);
export const MIN = 60_000;

/** A store whose level sensor is pit-1/lvl.distance: a distance of 0.6 m is freeboard 0.1 m (L1 critical). */
export const FACILITIES = {
  reorderMin: 0,
  stores: [
    {
      id: "pit1", name: "一号池", type: "concrete", covered: true, surfaceM2: 100, depthToLipM: 3,
      mounting: { kind: "distance-above", mountHeight: 0.5 }, levelSensor: "pit-1/lvl.distance",
    },
  ],
};

export interface Env {
  gw: Gateway;
  base: string;
  dir: string;
  sink: EngineSink;
  anon: Api;
  api(): Api;
  node(id?: string): Promise<TestNode>;
  close(): Promise<void>;
}

/** A real gateway (embedded broker, SQLite in a temp dir, rules engine, HTTP on 127.0.0.1:0). */
export async function startEnv(extra: Record<string, unknown> = {}): Promise<Env> {
  const tmp = tempDir("http-");
  const sink = createEngineSink(FACILITIES);
  const gw = await startGateway(tmp.dir, { http: { host: "127.0.0.1", port: 0 }, facilities: FACILITIES, ...extra }, undefined, sink);
  const base = `http://127.0.0.1:${gw.http.port}`;
  const nodes: TestNode[] = [];
  return {
    gw, base, dir: tmp.dir, sink,
    anon: new Api(base),
    api: () => new Api(base),
    node: async (id = "pit-1") => {
      const n = await TestNode.connect(gw.mqttPort, id, "pw-" + id);
      nodes.push(n);
      return n;
    },
    close: async () => {
      for (const n of nodes) await n.end();
      await gw.stop();
      tmp.cleanup();
    },
  };
}
