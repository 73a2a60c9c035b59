import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "power-cut.c");

/**
 * A power cut of the gateway's host, for tests (power-cut.c says what is modelled): the shim is
 * compiled into `workDir` (the C compiler `cc` must be installed; .ci/run installs it) and
 * preloaded into the gateway process through env(); after the process is killed, cut() puts on
 * disk only what the process had synced.
 */
export class PowerCut {
  readonly shadow: string;
  private readonly shim: string;

  /** @param dbFile the database file; its -wal, -shm and -journal are covered too. */
  constructor(workDir: string, readonly dbFile: string) {
    this.shim = join(workDir, "power-cut.so");
    this.shadow = join(workDir, "durable");
    execFileSync("cc", ["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", this.shim, SOURCE, "-ldl", "-lpthread"], { stdio: "pipe" });
    mkdirSync(this.shadow, { recursive: true });
  }

  /** The environment that preloads the shim. Call powerOn() before the process starts. */
  env(): NodeJS.ProcessEnv {
    return { LD_PRELOAD: this.shim, POWERCUT_FILE: this.dbFile, POWERCUT_SHADOW: this.shadow };
  }

  /** The database's files on disk now (names). */
  private files(dir: string): string[] {
    const base = basename(this.dbFile);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(base)) : [];
  }

  /** Before a process starts: what is on disk is durable (the shadow becomes a copy of it). */
  powerOn(): void {
    for (const f of this.files(this.shadow)) rmSync(join(this.shadow, f));
    for (const f of this.files(dirname(this.dbFile))) copyFileSync(join(dirname(this.dbFile), f), join(this.shadow, f));
  }

  /**
   * After the process was killed: every file replaced by its durable copy, or removed if it
   * was never synced. Returns the names of the files whose content the cut changed.
   */
  cut(): string[] {
    const dir = dirname(this.dbFile);
    const changed: string[] = [];
    const names = new Set([...this.files(dir), ...this.files(this.shadow)]);
    for (const f of names) {
      const live = join(dir, f);
      const durable = join(this.shadow, f);
      const before = existsSync(live) ? readFileSync(live) : null;
      const after = existsSync(durable) ? readFileSync(durable) : null;
      if (before === null ? after !== null : after === null || !before.equals(after)) changed.push(f);
      rmSync(live, { force: true });
      if (after !== null) copyFileSync(durable, live);
    }
    return changed.sort();
  }
}
