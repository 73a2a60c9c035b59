/** Every JSON example in protocol/README.md is valid under the validator it illustrates. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateRegisterMap } from "../src/maps/validate";
import { validateNodeConfig } from "../src/config/node-config";
import { validateAck, validateCommand, validateCommandResult, validateStatus, validateUplink } from "../src/wire/validate";

const text = readFileSync(join(__dirname, "..", "README.md"), "utf8");
const blocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

/** A block is one JSON document, or one document per line. */
function docs(block: string): unknown[] {
  try {
    return [JSON.parse(block)];
  } catch {
    return block.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  }
}

function check(d: Record<string, unknown>) {
  if ("points" in d) return validateRegisterMap(d);
  if ("node" in d && "mqtt" in d) return validateNodeConfig(d, ["ultrasonic-level"]);
  if ("r" in d) return validateUplink(d, d.n as string);
  if ("state" in d) return validateStatus(d);
  if ("op" in d) return validateCommand(d);
  if ("ok" in d) return validateCommandResult(d);
  return validateAck(d);
}

describe("README examples", () => {
  it("has examples of every message", () => {
    const all = blocks.flatMap(docs) as Record<string, unknown>[];
    expect(all.some((d) => "r" in d)).toBe(true);
    expect(all.some((d) => d.state === "offline")).toBe(true);
    expect(all.some((d) => "err" in d && "s" in d)).toBe(true);
    expect(all.filter((d) => "op" in d).map((d) => d.op)).toEqual(["config", "reboot", "resend", "ping", "reboot"]);
    expect(all.some((d) => "op" in d && typeof d.exp === "number")).toBe(true); // a command with a deadline
    expect(all.filter((d) => "ok" in d).length).toBe(2);
    expect(all.some((d) => "node" in d && (d.net as { type?: string } | undefined)?.type === "w5500")).toBe(true); // a W5500 node configuration
  });
  for (const [i, b] of blocks.entries()) {
    it("block " + i + " is valid", () => {
      for (const d of docs(b)) {
        const r = check(d as Record<string, unknown>);
        if (!r.ok) throw new Error(r.path + ": " + r.reason + " in " + JSON.stringify(d));
      }
    });
  }
});
