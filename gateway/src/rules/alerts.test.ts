import { describe, expect, it } from "vitest";
import { AlertBook, hyst, type Cond } from "./alerts";
import type { AlertTransition } from "./types";

const MIN = 60_000;
const on = (value: number): Cond => ({ s: "on", severity: "warn", messageId: "m", params: { value }, value });

function book(holdMin = 30) {
  const out: AlertTransition[] = [];
  const b = new AlertBook(AlertBook.empty(), () => holdMin * MIN, (t) => out.push(t));
  return { b, out };
}

describe("alert lifecycle", () => {
  it("raises once per (rule, subject), acknowledges with a note, clears after the hold time in data time", () => {
    const { b, out } = book();
    b.update(0, "L1", "store:a", "a", on(0.2));
    b.update(MIN, "L1", "store:a", "a", on(0.19));
    b.update(MIN, "L1", "store:b", "b", on(0.1));
    expect(out.map((t) => [t.subject, t.from, t.to])).toEqual([["store:a", null, "raised"], ["store:b", null, "raised"]]);
    const ack = b.acknowledge("L1|store:a", "pumping tomorrow", "li", 2 * MIN);
    expect(ack).toMatchObject({ from: "raised", to: "acknowledged", by: "li", note: "pumping tomorrow", t: 2 * MIN });
    expect(() => b.acknowledge("L1|store:a", "again", "li", 3 * MIN)).toThrow(/already acknowledged/);
    expect(() => b.acknowledge("L1|store:x", "?", "li", 3 * MIN)).toThrow(/no open alert/);
    b.update(10 * MIN, "L1", "store:a", "a", { s: "off" });
    b.update(39 * MIN, "L1", "store:a", "a", { s: "off" });
    expect(out.filter((t) => t.to === "cleared")).toHaveLength(0);
    b.tick(40 * MIN);
    const cleared = out.filter((t) => t.to === "cleared");
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ key: "L1|store:a", from: "acknowledged", t: 40 * MIN, raisedAt: 0 });
  });

  it("does not flap on a value hovering at the threshold (hysteresis band keeps it open)", () => {
    const { b, out } = book(30);
    // Freeboard hovering around 0.30 m, raise below 0.30, clear at or above 0.32.
    for (let i = 0; i < 600; i++) {
      const v = 0.3 + 0.012 * Math.sin(i / 3) + (i % 2 === 0 ? 0.004 : -0.004);
      const s = hyst(v, "below", 0.3, 0.32);
      b.update(i * MIN, "L1", "store:a", "a", s === "on" ? on(v) : { s });
    }
    expect(out.filter((t) => t.to === "raised")).toHaveLength(1);
    expect(out.filter((t) => t.to === "cleared")).toHaveLength(0);
    // Well clear of the band for longer than the hold: cleared exactly once.
    for (let i = 600; i < 700; i++) b.update(i * MIN, "L1", "store:a", "a", { s: hyst(0.4, "below", 0.3, 0.32) as "off" });
    expect(out.filter((t) => t.to === "cleared")).toHaveLength(1);
  });

  it("a naive single threshold would flap on the same data (the test above can fail)", () => {
    const { b, out } = book(0);
    for (let i = 0; i < 600; i++) {
      const v = 0.3 + 0.012 * Math.sin(i / 3) + (i % 2 === 0 ? 0.004 : -0.004);
      b.update(i * MIN, "L1", "store:a", "a", v < 0.3 ? on(v) : { s: "off" });
    }
    expect(out.filter((t) => t.to === "raised").length).toBeGreaterThan(10);
  });

  it("escalates severity with a new transition that needs a new acknowledgement; unknown changes nothing", () => {
    const { b, out } = book();
    b.update(0, "L5", "store:a", "a", on(4));
    b.acknowledge("L5|store:a", "seen", "wang", 1);
    b.update(5 * MIN, "L5", "store:a", "a", { s: "unknown" });
    b.update(10 * MIN, "L5", "store:a", "a", { s: "on", severity: "critical", messageId: "m", value: 7 });
    expect(out.map((t) => [t.from, t.to, t.severity])).toEqual([[null, "raised", "warn"], ["raised", "acknowledged", "warn"], ["acknowledged", "raised", "critical"]]);
    b.update(11 * MIN, "L5", "store:a", "a", { s: "off" });
    b.update(500 * MIN, "L5", "store:a", "a", { s: "unknown" });
    b.tick(500 * MIN);
    expect(out[out.length - 1]).toMatchObject({ to: "cleared", t: 41 * MIN, severity: "critical" });
  });

  it("clears then raises anew when the condition returns after the hold had elapsed", () => {
    const { b, out } = book(30);
    b.update(0, "C5", "pile:p", "p", on(66));
    b.update(MIN, "C5", "pile:p", "p", { s: "off" });
    b.update(100 * MIN, "C5", "pile:p", "p", on(67));
    expect(out.map((t) => [t.to, t.t])).toEqual([["raised", 0], ["cleared", 31 * MIN], ["raised", 100 * MIN]]);
  });
});
