import { describe, expect, it } from "vitest";
import { parseServeArgs } from "./serve-args";

describe("parseServeArgs", () => {
  it("parses a scenario with TCP and pty endpoints", () => {
    expect(parseServeArgs(["demo.json", "--tcp", "127.0.0.1:1502", "--pty", "/tmp/tty", "--speed", "60", "--seed", "7", "--node", "pit-1"])).toEqual({
      scenario: "demo.json",
      tcp: { host: "127.0.0.1", port: 1502 },
      pty: "/tmp/tty",
      speed: 60,
      seed: "7",
      node: "pit-1",
    });
    expect(parseServeArgs(["s", "--pty", "/tmp/x", "--realtime"]).speed).toBe(1);
  });

  it("names what is wrong", () => {
    expect(() => parseServeArgs(["s"])).toThrow(/--tcp HOST:PORT and\/or --pty/);
    expect(() => parseServeArgs(["--tcp", "127.0.0.1:1"])).toThrow(/missing <scenario>/);
    expect(() => parseServeArgs(["s", "--tcp", "localhost"])).toThrow(/HOST:PORT/);
    expect(() => parseServeArgs(["s", "--tcp", "127.0.0.1:70000"])).toThrow(/above 65535/);
    expect(() => parseServeArgs(["s", "--pty"])).toThrow(/--pty needs a value/);
    expect(() => parseServeArgs(["s", "--pty", "p", "--speed", "0"])).toThrow(/positive/);
    expect(() => parseServeArgs(["s", "--pty", "p", "--speed", "2", "--realtime"])).toThrow(/not both/);
    expect(() => parseServeArgs(["s", "--pty", "p", "--colour"])).toThrow(/unknown option --colour/);
  });
});
