import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCursor, decodeSince, encodeCursor, intParam, rangeParams, timeParam } from "./params";
import { HttpError } from "./errors";
import { parseCookies } from "./auth";
import { csvLine } from "./csv";
import { Router, type Route } from "./router";

const u = (qs: string) => new URL("http://x/p?" + qs);

describe("cursors", () => {
  it("round-trip every seq and refuse anything else with 400", () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => {
      expect(decodeCursor(encodeCursor(n))).toBe(n);
    }));
    expect(decodeCursor(null)).toBe(0);
    for (const bad of ["f1", "f2a", "1", "f1A", "f1" + "z".repeat(12), "f1-1"]) {
      expect(() => decodeCursor(bad)).toThrow(HttpError);
    }
    expect(decodeSince("42")).toBe(42);
    expect(decodeSince(encodeCursor(42))).toBe(42);
    expect(decodeSince(null)).toBeNull();
  });
});

describe("query parameters", () => {
  it("read times as epoch ms or ISO 8601, ranges half-open with from < to", () => {
    expect(timeParam(u("from=1000"), "from", null)).toBe(1000);
    expect(timeParam(u("from=2026-03-01T00:00:00Z"), "from", null)).toBe(Date.UTC(2026, 2, 1));
    expect(timeParam(u(""), "from", 7)).toBe(7);
    for (const bad of ["from=abc", "from=2026-13-45", "from=1e5", "from=-5", "from=99999999999999999"]) expect(() => timeParam(u(bad), "from", null)).toThrow(/from/);
    expect(() => timeParam(u(""), "from", null)).toThrow(/required/);
    expect(rangeParams(u("to=5000"), 0, 0)).toEqual({ from: 0, to: 5000 });
    expect(() => rangeParams(u("from=5&to=5"), null, null)).toThrow(/before/);
    expect(intParam(u("limit=10"), "limit", 1, 1, 100)).toBe(10);
    expect(() => intParam(u("limit=0"), "limit", 1, 1, 100)).toThrow(/between 1 and 100/);
    expect(() => intParam(u("limit=1.5"), "limit", 1, 1, 100)).toThrow(/integer/);
  });
});

describe("cookies and CSV", () => {
  it("parse cookie headers without throwing on junk", () => {
    expect(parseCookies("a=1; fg_session=abc; b")).toEqual(new Map([["a", "1"], ["fg_session", "abc"]]));
    expect(parseCookies(undefined).size).toBe(0);
    fc.assert(fc.property(fc.string(), (s) => void parseCookies(s)));
  });

  it("writes RFC 4180 records and defuses spreadsheet formulas", () => {
    expect(csvLine(["a", 'b"c', "d,e", null, 1.5, -2])).toBe('a,"b""c","d,e",,1.5,-2\r\n');
    expect(csvLine(["=cmd()", "@x", "+1", "-x", "-1.5"])).toBe("'=cmd(),'@x,'+1,'-x,-1.5\r\n");
  });
});

describe("Router", () => {
  const r = (method: "GET" | "POST", path: string): Route => ({ method, path, access: "user", handler: () => ({ json: null }) });
  const router = new Router([r("GET", "/api/v1/alerts"), r("GET", "/api/v1/alerts/{id}"), r("POST", "/api/v1/alerts/{id}/ack"), r("GET", "/api/v1/sensors/{sensor}/readings")]);

  it("matches templates on the raw path and decodes parameters after", () => {
    const m = router.match("GET", "/api/v1/sensors/pit-1%2Flvl.distance/readings");
    expect(m && "route" in m && m.params).toEqual({ sensor: "pit-1/lvl.distance" });
    const a = router.match("POST", "/api/v1/alerts/12/ack");
    expect(a && "route" in a && a.params).toEqual({ id: "12" });
    expect(router.match("HEAD", "/api/v1/alerts")).toMatchObject({ route: { path: "/api/v1/alerts" } });
  });

  it("tells 405 from 404 and refuses bad percent-encoding with 400", () => {
    expect(router.match("POST", "/api/v1/alerts")).toEqual({ allowed: ["GET"] });
    expect(router.match("GET", "/api/v1/alerts/")).toBeNull();
    expect(router.match("GET", "/api/v1/nope")).toBeNull();
    expect(() => router.match("GET", "/api/v1/alerts/%zz")).toThrow(/percent-encoding/);
  });
});
