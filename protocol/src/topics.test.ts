import { describe, expect, it } from "vitest";
import { isValidId, nodeTopic, nodeTopicFilter, parseNodeTopic } from "./topics";

describe("topics", () => {
  it("builds and parses every node topic kind", () => {
    for (const kind of ["up", "ack", "status", "cmd", "cmd/res"] as const) {
      const t = nodeTopic("manure", "farm-1", "pit_1", kind);
      expect(parseNodeTopic(t)).toEqual({ base: "manure", farm: "farm-1", node: "pit_1", kind });
    }
    expect(nodeTopicFilter("manure", "f", "up")).toBe("manure/f/node/+/up");
  });

  it("refuses ids that would break a topic level", () => {
    expect(isValidId("a/b")).toBe(false);
    expect(isValidId("+")).toBe(false);
    expect(isValidId("")).toBe(false);
    expect(isValidId("x".repeat(33))).toBe(false);
    expect(isValidId("pit-1")).toBe(true);
    expect(parseNodeTopic("manure/f/node/a/b/up")).toBeNull();
    expect(parseNodeTopic("manure/f/gw/a/up")).toBeNull();
    expect(parseNodeTopic("manure/f/node/#/up")).toBeNull();
  });
});
