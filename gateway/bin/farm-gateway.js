#!/usr/bin/env node
// Runs the gateway's TypeScript sources through tsx (no build step on the farm box).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
