import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AckChain, type BootSeq } from "./ack-chain";

/** One transaction offering one message. */
function offer(c: AckChain, node: string, b: number, s: number, p: BootSeq | 0 | undefined): BootSeq | null {
  c.begin();
  const a = c.offer(node, b, s, p);
  c.commit();
  return a;
}

describe("AckChain", () => {
  it("acks along the predecessor chain and never over a message that did not arrive", () => {
    const c = new AckChain(() => null);
    expect(offer(c, "n", 1, 1, 0)).toEqual([1, 1]);
    expect(offer(c, "n", 1, 2, [1, 1])).toEqual([1, 2]);
    // (1, 3) was dropped by the broker: 4 and 5 are stored but not acked.
    expect(offer(c, "n", 1, 4, [1, 3])).toBeNull();
    expect(offer(c, "n", 1, 5, [1, 4])).toBeNull();
    expect(c.frontier("n")).toEqual([1, 2]);
    // The node resends from its oldest unacked message: 3 links, and 4 and 5 with it.
    expect(offer(c, "n", 1, 3, [1, 2])).toEqual([1, 5]);
  });

  it("takes the node's oldest message (p = 0) as linked: what it dropped from a full flash is not waited for", () => {
    const c = new AckChain(() => null);
    expect(offer(c, "n", 2, 1, 0)).toEqual([2, 1]);
    // Messages 2..40 were dropped by the node itself; its queue now starts at 41.
    expect(offer(c, "n", 2, 42, [2, 41])).toBeNull();
    expect(offer(c, "n", 2, 41, 0)).toEqual([2, 42]);
  });

  it("links across boots only through p: the last message of the old boot must be there", () => {
    const c = new AckChain(() => null);
    expect(offer(c, "n", 4, 7, 0)).toEqual([4, 7]);
    // (4, 8) and (4, 9) are the old boot's tail; (5, 1) says its predecessor is (4, 9).
    expect(offer(c, "n", 5, 1, [4, 9])).toBeNull();
    expect(offer(c, "n", 4, 9, [4, 8])).toBeNull();
    expect(offer(c, "n", 4, 8, [4, 7])).toEqual([5, 1]);
  });

  it("acks a resend (after a lost ack) up to itself, never beyond what it reached", () => {
    const c = new AckChain(() => null);
    offer(c, "n", 1, 1, 0);
    offer(c, "n", 1, 2, [1, 1]);
    offer(c, "n", 1, 3, [1, 2]);
    expect(offer(c, "n", 1, 2, [1, 1])).toEqual([1, 2]);
    expect(c.frontier("n")).toEqual([1, 3]);
    // The node's oldest is (1, 2) again (the ack of 3 was lost): the chain restarts there.
    expect(offer(c, "n", 1, 2, 0)).toEqual([1, 2]);
    expect(offer(c, "n", 1, 3, [1, 2])).toEqual([1, 3]);
  });

  it("a node whose boot counter went back (reflashed) is acked for its own messages only", () => {
    const c = new AckChain(() => [57, 300]);
    expect(offer(c, "n", 1, 1, 0)).toEqual([1, 1]);
    expect(offer(c, "n", 1, 2, [1, 1])).toEqual([1, 2]);
    // (1, 3) dropped by the broker: (1, 4) must not link through the old frontier (57, 300).
    expect(offer(c, "n", 1, 4, [1, 3])).toBeNull();
  });

  it("acks messages without p as received (nodes older than the field)", () => {
    const c = new AckChain(() => null);
    expect(offer(c, "n", 1, 5, undefined)).toEqual([1, 5]);
    expect(offer(c, "n", 1, 3, undefined)).toEqual([1, 3]);
    expect(c.frontier("n")).toEqual([1, 5]);
    expect(offer(c, "n", 1, 6, [1, 5])).toEqual([1, 6]);
  });

  it("starts from the persisted frontier, and a rolled-back transaction changes nothing", () => {
    const c = new AckChain((node) => (node === "n" ? [3, 10] : null));
    c.begin();
    expect(c.offer("n", 3, 11, [3, 10])).toEqual([3, 11]);
    expect(c.offer("m", 1, 2, [1, 1])).toBeNull();
    expect(c.changed()).toEqual([["n", [3, 11]]]);
    c.rollback();
    expect(c.frontier("n")).toBeNull(); // not loaded into the committed state
    c.begin();
    expect(c.offer("n", 3, 11, [3, 10])).toEqual([3, 11]);
    c.commit();
    expect(c.frontier("n")).toEqual([3, 11]);
    c.begin();
    c.offer("n", 3, 13, [3, 12]);
    c.rollback();
    // The waiting (3, 13) went with the rollback: (3, 12) alone moves the frontier.
    expect(offer(c, "n", 3, 12, [3, 11])).toEqual([3, 12]);
  });

  it("keeps at most maxWaiting unlinked messages per node", () => {
    const c = new AckChain(() => null, 3);
    offer(c, "n", 1, 1, 0);
    for (let s = 3; s <= 10; s++) expect(offer(c, "n", 1, s, [1, s - 1])).toBeNull();
    // Only the three newest are remembered; (1, 2) links those it can reach.
    expect(offer(c, "n", 1, 2, [1, 1])).toEqual([1, 2]);
  });

  it("property: whatever the broker drops, duplicates or reorders, an ack never covers a missing message", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat(5)), { minLength: 1, maxLength: 200 }),
        (n, plan) => {
          // A node with messages 1..n; each round it sends its queue from the head (p = 0,
          // then each predecessor) and the broker delivers a subset, possibly reordered.
          const c = new AckChain(() => null);
          const stored = new Set<number>();
          let head = 1;
          for (const [shuffle, skip] of plan) {
            if (head > n) break;
            const sent: [number, BootSeq | 0][] = [];
            for (let s = head; s <= n; s++) sent.push([s, s === head ? 0 : [1, s - 1]]);
            const delivered = sent.filter((_, i) => (i + skip) % 3 !== 0 || skip === 0);
            if (shuffle) delivered.reverse();
            for (const [s, p] of delivered) {
              stored.add(s);
              const a = offer(c, "n", 1, s, p);
              if (a) {
                for (let k = head; k <= a[1]; k++) expect(stored.has(k)).toBe(true);
                head = Math.max(head, a[1] + 1);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
