// Entry point of the production bundle (dist/farm-gateway.mjs, `npm run build -w gateway`).
import { main } from "./cli";

process.exitCode = await main(process.argv.slice(2));
