import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertLocalListeners } from "./local-listeners";
import { nodeHash } from "./gateway-fixture";

export const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "farm-gateway.js");

export interface GatewayProcess {
  proc: ChildProcess;
  mqttPort: number;
  log(): string;
  kill9(): Promise<void>;
  stop(): Promise<number | null>;
}

/**
 * Writes `<dir>/gateway.json` for a gateway process: farm demo, gateway gw1, data in `dir`,
 * embedded broker and HTTP on free ports of 127.0.0.1, node pit-1 with password pw-1, 10 ms
 * group commit; `extra` is merged over it. Returns the file's path.
 */
export function writeProcessConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, "gateway.json");
  writeFileSync(
    file,
    JSON.stringify({
      farm: "demo", gateway: "gw1", dataDir: dir, log: { level: "info" },
      mqtt: { listen: { host: "127.0.0.1", port: 0 }, nodes: [{ id: "pit-1", passwordHash: nodeHash("pw-1") }] },
      store: { groupCommitMs: 10 },
      http: { host: "127.0.0.1", port: 0 },
      ...extra,
    }),
  );
  return file;
}

/**
 * Starts `farm-gateway start -c <config>` and resolves once its broker listens (from its JSON log).
 * `env` is added to this process's environment (power-cut.ts preloads its shim through it).
 */
export async function spawnGateway(configFile: string, timeoutMs = 30_000, entry = BIN, env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  // Callers write JSON configs (YAML is a superset, but the tests have no need of it here).
  assertLocalListeners(JSON.parse(readFileSync(configFile, "utf8")), `spawnGateway ${configFile}`);
  const proc = spawn(process.execPath, [entry, "start", "-c", configFile], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("gateway did not start: " + out)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"msg":"embedded broker listening"[^\n]*"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stderr!.on("data", onData);
    proc.stdout!.on("data", (d) => (out += d.toString()));
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before listening: ${out}`));
    });
  });
  return {
    proc,
    mqttPort: port,
    log: () => out,
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}
