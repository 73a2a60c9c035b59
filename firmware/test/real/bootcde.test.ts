/**
 * Flashed as the espruino CLI does with SAVE_ON_SEND=1: the bundle in Storage ".bootcde",
 * run by the real interpreter at every start; the boot counter in Storage goes up each time.
 * Runs only when ESPRUINO_BIN points at Espruino's Linux build.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/support/tmp";
import { buildFirmware } from "../../scripts/build";

const BIN = process.env.ESPRUINO_BIN;
const usable = !!BIN && existsSync(BIN);

function run(cwd: string, args: string[], until: RegExp, ms = 30000): Promise<string> {
  return new Promise((resolve) => {
    // stdin stays open and empty (see ../shared/espruino.md)
    const p = spawn(BIN!, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    const done = () => {
      clearTimeout(timer);
      p.kill("SIGKILL");
      resolve(out);
    };
    const on = (d: Buffer) => {
      out += d;
      if (until.test(out)) done();
    };
    p.stdout!.on("data", on);
    p.stderr!.on("data", on);
    const timer = setTimeout(done, ms);
  });
}

describe.skipIf(!usable)("the bundle from Storage .bootcde on Espruino's Linux build (runs only when ESPRUINO_BIN points at the binary)", () => {
  const tmp = tempDir("esp-boot-");
  afterAll(() => tmp.cleanup());

  it("starts at every power-up with the next boot number", async () => {
    writeFileSync(join(tmp.dir, "node.json"), JSON.stringify({
      node: "boot-1", farm: "demo", mqtt: { host: "127.0.0.1", port: 9 }, net: { type: "none" }, devices: [],
    }));
    await buildFirmware({ config: join(tmp.dir, "node.json"), out: join(tmp.dir, "fw.js"), watchdog: 0 });
    writeFileSync(join(tmp.dir, "install.js"), 'var c = require("fs").readFileSync("fw.js"); require("Storage").write(".bootcde", c); print("installed " + c.length);');
    expect(await run(tmp.dir, ["install.js"], /installed \d+/)).toMatch(/installed \d+/);
    expect(await run(tmp.dir, [], /boot 1 fw \S+ config from embedded/)).toMatch(/node boot-1 boot 1 fw \S+ config from embedded/);
    expect(await run(tmp.dir, [], /boot 2 fw \S+ config from embedded/)).toMatch(/node boot-1 boot 2 fw \S+ config from embedded/);
  }, 120_000);
});
