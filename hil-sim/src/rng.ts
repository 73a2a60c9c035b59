/**
 * Seeded pseudo-random numbers for the simulator. sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, from PractRand) seeded through the xmur3 string hash: fast, 128 bits of
 * state, passes PractRand, and identical on every platform because it uses only 32-bit
 * integer arithmetic (Math.imul, >>>).
 *
 * Every model draws from its own stream, derived from the run's seed and the model's id, so
 * adding a node or a pile never changes the values another model sees.
 */

/** xmur3: hashes a string into a generator of 32-bit seeds. */
function xmur3(str: string): () => number {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

export type Seed = number | string;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  /** A stream for `seed` and `stream` id, e.g. new Rng(42, "pit-1"). */
  constructor(seed: Seed, stream = "") {
    const h = xmur3(`${typeof seed}:${String(seed)}/${stream}`);
    this.a = h();
    this.b = h();
    this.c = h();
    this.d = h();
    // Discard the first outputs: sfc32's state needs a few rounds to mix a hashed seed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent stream for a sub-part of this model (derived from this stream's state). */
  fork(stream: string): Rng {
    return new Rng(`${this.a}:${this.b}:${this.c}:${this.d}`, stream);
  }

  nextUint32(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal by the Box–Muller transform (Box & Muller 1958), pairs cached. */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    let u = 0;
    while (u === 0) u = this.next();
    return -mean * Math.log(u);
  }
}
