// Production bundle: dist/farm-gateway.mjs, the gateway's own code and protocol's TypeScript
// in one ES module; npm dependencies stay external (native better-sqlite3, serialport).
// Runs without tsx, which keeps the process ~40 MB smaller on a farm box.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function buildGateway(outfile = join(root, "dist", "farm-gateway.mjs")) {
  await build({
    entryPoints: [join(root, "src", "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    external: ["better-sqlite3", "aedes", "mqtt", "modbus-serial", "serialport", "zod", "yaml", "ws"],
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildGateway();
