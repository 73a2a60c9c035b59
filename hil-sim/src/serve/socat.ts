import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

export const SOCAT_BIN = process.env.SOCAT_BIN ?? "/usr/bin/socat";

export interface PtyPair {
  /** The end a real master opens (mbpoll, the gateway). */
  path: string;
  /** The end the simulator serves on (`<path>.sim`). */
  simPath: string;
  /** socat's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A pair of connected pseudo-terminals made by socat, raw and without echo, with stable
 * symlinks: `socat -d -d pty,raw,echo=0,link=PATH pty,raw,echo=0,link=PATH.sim`. Resolves
 * when socat reports that both ends exist and it is relaying.
 */
export async function startPtyPair(path: string, timeoutMs = 10_000): Promise<PtyPair> {
  const simPath = `${path}.sim`;
  const proc: ChildProcess = spawn(SOCAT_BIN, ["-d", "-d", `pty,raw,echo=0,link=${path}`, `pty,raw,echo=0,link=${simPath}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`socat did not start within ${timeoutMs} ms: ${log}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes("starting data transfer loop") && existsSync(path) && existsSync(simPath)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stderr?.on("data", onData);
    proc.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${SOCAT_BIN}: ${e.message}`));
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited (${code}) before relaying: ${log}`));
    });
  });
  return {
    path,
    simPath,
    log: () => log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        await exited;
      }
    },
  };
}
