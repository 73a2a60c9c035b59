import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { serveCommand } from "./serve";

function mbpoll(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile("/usr/bin/mbpoll", args, { timeout: 20_000 }, (_e, out, err) => resolve(out + err)));
}

describe("farm-sim serve", () => {
  it("serves a shipped scenario's node over TCP: mbpoll reads the level the physics says, advancing ×600", async () => {
    const lines: string[] = [];
    let checked = false;
    const code = await serveCommand(["tanker-road-discharge", "--tcp", "127.0.0.1:0", "--node", "pit-1", "--speed", "600", "--seed", "5", "--for", "60"], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
      handleSignals: false,
      onReady: ({ endpoints, sim, stop }) => {
        void (async () => {
          try {
            const port = String(endpoints.tcp!.port);
            const read = async () => {
              const out = await mbpoll(["-m", "tcp", "-p", port, "-a", "1", "-r", "1", "-c", "1", "-t", "4", "-1", "-o", "5", "127.0.0.1"]);
              const m = /\[1\]:\s+(\d+)/.exec(out);
              if (!m) throw new Error(out);
              return { mm: Number(m[1]), truth: sim.farm.quantity("pit-1", "distance"), t: sim.clock.now() };
            };
            const a = await read();
            // Noise 2 mm on the map's 1 mm steps; the physics steps once a virtual minute (0.1 s of wall time here).
            expect(Math.abs(a.mm / 1000 - a.truth)).toBeLessThan(0.02);
            let b = await read();
            const deadline = Date.now() + 20_000;
            while (b.t - a.t < 600_000 && Date.now() < deadline) b = await read();
            expect(b.t - a.t).toBeGreaterThanOrEqual(600_000); // virtual time moved at least 10 min
            checked = true;
          } finally {
            stop();
          }
        })();
      },
    });
    expect(code).toBe(0);
    expect(checked).toBe(true);
    expect(lines.some((l) => /^tcp 127\.0\.0\.1:\d+$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes("unit 1 lvl.distance: FC 3 address 0 (mbpoll -a 1 -r 1 -c 1)"))).toBe(true);
  });

  it("exits 2 with the reason and the usage for bad arguments or an unknown node", async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => err.push(l), handleSignals: false };
    expect(await serveCommand(["tanker-road-discharge"], io)).toBe(2);
    expect(err[0]).toMatch(/--tcp HOST:PORT and\/or --pty/);
    expect(err[1]).toMatch(/^usage: farm-sim serve/);
    err.length = 0;
    expect(await serveCommand(["tanker-road-discharge", "--tcp", "127.0.0.1:0", "--node", "nope"], io)).toBe(2);
    expect(err[0]).toMatch(/no node "nope".*pit-1, tanker-1/);
    err.length = 0;
    expect(await serveCommand(["no-such-scenario", "--tcp", "127.0.0.1:0"], io)).toBe(2);
    expect(err[0]).toMatch(/no scenario "no-such-scenario"/);
  });
});
