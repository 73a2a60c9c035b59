/**
 * The abstract test suite every MessageStore passes (MQTT.js's store tests are the model).
 * Run against every store by src/buffer/stores.test.ts.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Entry, MessageStore } from "../src/buffer/store";

export interface StoreFactory {
  /** A fresh, empty store that holds at least `capacity` entries of about 200 bytes. */
  make(capacity: number): MessageStore;
  /** When set: the store after a reboot (RAM gone, flash kept); null if it does not persist. */
  reopen?: (old: MessageStore) => MessageStore;
}

export function entry(b: number, s: number, size = 200): Entry {
  const body = '{"v":1,"b":' + b + ',"s":' + s + ',"x":"';
  return { b, s, d: body + "y".repeat(Math.max(0, size - body.length - 2)) + '"}' };
}

export function storeSuite(name: string, f: StoreFactory): void {
  describe(name + " (abstract store suite)", () => {
    it("gives entries back oldest first, from a cursor", () => {
      const st = f.make(100);
      for (let s = 1; s <= 10; s++) st.push(entry(3, s));
      expect(st.size()).toBe(10);
      expect(st.peek(null, 3).map((e) => e.s)).toEqual([1, 2, 3]);
      expect(st.peek([3, 3], 3).map((e) => e.s)).toEqual([4, 5, 6]);
      expect(st.peek([3, 10], 3)).toEqual([]);
      expect(st.peek(null, 1)[0]).toEqual(entry(3, 1));
    });

    it("an ack removes exactly the entries it covers, across boots (lexicographic)", () => {
      const st = f.make(100);
      for (let s = 1; s <= 5; s++) st.push(entry(1, s));
      for (let s = 1; s <= 5; s++) st.push(entry(2, s));
      expect(st.ack(1, 3)).toBe(3);
      expect(st.peek(null, 100).map((e) => [e.b, e.s])).toEqual([[1, 4], [1, 5], [2, 1], [2, 2], [2, 3], [2, 4], [2, 5]]);
      expect(st.ack(1, 99)).toBe(2);
      expect(st.ack(0, 50)).toBe(0);
      expect(st.ack(2, 2)).toBe(2);
      expect(st.size()).toBe(3);
      expect(st.ack(2, 5)).toBe(3);
      expect(st.size()).toBe(0);
      expect(st.peek(null, 10)).toEqual([]);
      st.push(entry(2, 6));
      expect(st.peek(null, 10).map((e) => e.s)).toEqual([6]);
    });

    it("when full drops the oldest first and counts them", () => {
      const st = f.make(20);
      const n = 400;
      for (let s = 1; s <= n; s++) st.push(entry(1, s));
      const left = st.peek(null, 10000);
      expect(left.length).toBe(st.size());
      expect(left.length).toBeGreaterThanOrEqual(20);
      // The store did fill up: some were dropped, and it holds far fewer than were pushed.
      expect(left.length).toBeLessThan(n / 2);
      expect(st.dropped()).toBeGreaterThan(0);
      expect(st.dropped()).toBe(n - left.length);
      // What is left is the newest, contiguous.
      expect(left[left.length - 1].s).toBe(n);
      expect(left[0].s).toBe(n - left.length + 1);
    });

    it("matches a model under random pushes, acks and peeks", () => {
      fc.assert(fc.property(fc.array(fc.oneof(
        fc.constant<["push"]>(["push"]),
        fc.tuple(fc.constant<"ack">("ack"), fc.integer({ min: 0, max: 60 })),
        fc.tuple(fc.constant<"peek">("peek"), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 8 })),
      ), { maxLength: 80 }), (ops) => {
        const st = f.make(1000);
        let model: number[] = [];
        let next = 1;
        for (const op of ops) {
          if (op[0] === "push") {
            st.push(entry(1, next));
            model.push(next++);
          } else if (op[0] === "ack") {
            const before = model.length;
            model = model.filter((s) => s > op[1]);
            expect(st.ack(1, op[1])).toBe(before - model.length);
          } else {
            const [, from, n] = op as ["peek", number, number];
            expect(st.peek([1, from], n).map((e) => e.s)).toEqual(model.filter((s) => s > from).slice(0, n));
          }
          expect(st.size()).toBe(model.length);
        }
      }), { numRuns: 60 });
    });

    if (f.reopen) {
      const reopen = f.reopen;
      it("keeps unacked entries across a reboot; acked ones may come back only as a resend", () => {
        const st = f.make(1000);
        for (let s = 1; s <= 50; s++) st.push(entry(7, s));
        st.ack(7, 20);
        const again = reopen(st);
        const got = again.peek(null, 1000).map((e) => e.s);
        // Everything unacked is there, in order.
        expect(got.filter((s) => s > 20)).toEqual(Array.from({ length: 30 }, (_, i) => 21 + i));
        expect(got).toEqual([...got].sort((a, b) => a - b));
        again.ack(7, 50);
        expect(again.size()).toBe(0);
        again.push(entry(8, 1));
        expect(reopen(again).peek(null, 10).map((e) => [e.b, e.s])).toEqual([[8, 1]]);
      });
    }
  });
}
