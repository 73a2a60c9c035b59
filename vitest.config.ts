import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{protocol,firmware,gateway,hil-sim,node-red,test}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    // Tests start real brokers, SQLite files and processes: give them room, and keep
    // parallelism to the machine's two cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    // CI also writes a JSON report, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]] : ["default"],
  },
});
