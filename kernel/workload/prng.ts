// A small seeded PRNG (sfc32, Chris Doty-Humphrey's Small Fast Counting generator): the same seed
// gives the same sequence on every platform, so the same workload and seed give the same journal.
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** uniform in [0, 2^32) */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** uniform integer in [lo, hi] (bigint: sizes and addresses) */
  between(lo: bigint, hi: bigint): bigint {
    if (hi <= lo) return lo;
    const span = hi - lo + 1n;
    const r = (BigInt(this.next()) << 32n) | BigInt(this.next());
    return lo + (r % span);
  }
}

/** A seeded uniform generator in [0, 1): for tests and fuzzers that need reproducible choices. */
export function seededUniform(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next() / 4294967296;
}
