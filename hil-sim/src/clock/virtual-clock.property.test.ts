import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "./virtual-clock";

type Op = { kind: "set"; delay: number; every: boolean } | { kind: "clear"; which: number } | { kind: "advance"; ms: number };

/** The obvious reference: a list scanned for the earliest (due, seq) on every step. */
function reference(ops: Op[]): string[] {
  let now = 0;
  let seq = 0;
  const timers: Array<{ id: number; due: number; seq: number; every: number; live: boolean }> = [];
  const log: string[] = [];
  for (const op of ops) {
    if (op.kind === "set") {
      const every = op.every ? Math.max(1, op.delay) : 0;
      timers.push({ id: timers.length, due: now + op.delay, seq: seq++, every, live: true });
    } else if (op.kind === "clear") {
      if (timers.length) timers[op.which % timers.length].live = false;
    } else {
      const target = now + op.ms;
      for (;;) {
        const live = timers.filter((t) => t.live && t.due <= target);
        if (!live.length) break;
        live.sort((a, b) => a.due - b.due || a.seq - b.seq);
        const t = live[0];
        now = t.due;
        log.push(`${t.id}@${now}`);
        if (t.every) {
          t.due += t.every;
          t.seq = seq++;
        } else t.live = false;
      }
      now = target;
    }
  }
  return log;
}

function actual(ops: Op[]): string[] {
  const clock = new VirtualClock({ start: 0 });
  const handles: unknown[] = [];
  const log: string[] = [];
  for (const op of ops) {
    if (op.kind === "set") {
      const id = handles.length;
      const fn = () => log.push(`${id}@${clock.now()}`);
      handles.push(op.every ? clock.setInterval(fn, op.delay) : clock.setTimeout(fn, op.delay));
    } else if (op.kind === "clear") {
      if (handles.length) clock.clearTimeout(handles[op.which % handles.length]);
    } else clock.advance(op.ms);
  }
  return log;
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), delay: fc.integer({ min: 0, max: 50 }), every: fc.boolean() }),
  fc.record({ kind: fc.constant("clear" as const), which: fc.nat(100) }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 120 }) }),
);

describe("VirtualClock against a reference scheduler", () => {
  it("fires the same timers at the same times in the same order for any sequence of operations", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        expect(actual(ops)).toEqual(reference(ops));
      }),
      { numRuns: 400 },
    );
  });
});
