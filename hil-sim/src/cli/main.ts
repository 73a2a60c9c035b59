import { pathToFileURL } from "node:url";
import { listScenarios } from "../scenario/load";
import { RUN_USAGE, runCommand } from "./run";

const USAGE = `farm-sim <command> ...

  run <scenario> [--speed N | --realtime] [--seed S] [--until P30D]   run a scenario's physics
  serve <scenario> ...                                                serve its sensors (Modbus TCP / pty)
  list                                                                shipped scenarios

${RUN_USAGE}`;

/**
 * The farm-sim command line. `serve` lives in ./serve.ts (the bus and slaves layer), loaded
 * only when asked for; it exports `serveCommand(argv): Promise<number>`.
 */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "run":
        return await runCommand(rest);
      case "list":
        for (const n of listScenarios()) process.stdout.write(n + "\n");
        return 0;
      case "serve": {
        // A computed specifier: serve.ts is another engineer's file and may not exist yet.
        const url = new URL("./serve.ts", import.meta.url).href;
        const mod = (await import(url).catch((e: Error) => {
          throw new Error(`serve is not available (${e.message})`);
        })) as { serveCommand?: (a: string[]) => Promise<number> };
        if (!mod.serveCommand) throw new Error("cli/serve.ts does not export serveCommand");
        return await mod.serveCommand(rest);
      }
      case undefined:
      case "help":
      case "--help":
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        process.stderr.write(`farm-sim: unknown command "${cmd}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    process.stderr.write(`farm-sim ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}

// Also runnable directly: `npx tsx hil-sim/src/cli/main.ts run <scenario>`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
