import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, NotEncodable } from './bytes.js';

describe('ByteWriter / ByteReader (compact checkpoint bytes)', () => {
  it('round-trips the extremes of every value kind', () => {
    const w = new ByteWriter();
    const uints = [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER];
    const ints = [0, -1, 1, -64, 64, 2 ** 52 - 1, -(2 ** 52 - 1)];
    const u64s = [0n, 1n, 2n ** 53n, 2n ** 53n - 1n, 0xfffffffffffff000n, 2n ** 64n - 1n];
    for (const v of uints) w.uint(v);
    for (const v of ints) w.int(v);
    for (const v of [null, 0, -5, 2 ** 52 - 1]) w.optInt(v);
    for (const v of u64s) w.u64(v);
    w.optU64(null);
    w.optU64(0xfee00000n);
    for (const s of ['FROM_DEVICE', '', 'päge ✓', 'FROM_DEVICE', '']) w.str(s);
    w.optStr(null);
    const r = new ByteReader(w.finish());
    for (const v of uints) expect(r.uint()).toBe(v);
    for (const v of ints) expect(r.int()).toBe(v);
    for (const v of [null, 0, -5, 2 ** 52 - 1]) expect(r.optInt()).toBe(v);
    for (const v of u64s) expect(r.u64()).toBe(v);
    expect(r.optU64()).toBeNull();
    expect(r.optU64()).toBe(0xfee00000n);
    for (const s of ['FROM_DEVICE', '', 'päge ✓', 'FROM_DEVICE', '']) expect(r.str()).toBe(s);
    expect(r.optStr()).toBeNull();
    expect(r.done).toBe(true);
  });

  it('round-trips random integers and 64-bit values (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -(2 ** 52 - 1), max: 2 ** 52 - 1 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 200 }),
        (xs) => {
          const w = new ByteWriter();
          for (const [i, u] of xs) {
            w.int(i);
            w.u64(u);
          }
          const r = new ByteReader(w.finish());
          for (const [i, u] of xs) {
            expect(r.int()).toBe(i);
            expect(r.u64()).toBe(u);
          }
          expect(r.done).toBe(true);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('refuses what it cannot hold exactly (the slice then falls back to msgpack)', () => {
    const w = new ByteWriter();
    expect(() => w.uint(-1)).toThrow(NotEncodable);
    expect(() => w.uint(2 ** 53)).toThrow(NotEncodable);
    expect(() => w.int(1.5)).toThrow(NotEncodable);
    expect(() => w.int(2 ** 52)).toThrow(NotEncodable);
    expect(() => w.optInt(Number.NaN)).toThrow(NotEncodable);
    expect(() => w.u64(-1n)).toThrow(NotEncodable);
    expect(() => w.u64(2n ** 64n)).toThrow(NotEncodable);
    expect(() => w.u64(5 as unknown as bigint)).toThrow(NotEncodable);
    expect(() => w.str(null as unknown as string)).toThrow(NotEncodable);
  });

  it('says so when the bytes end early or a count cannot fit', () => {
    const w = new ByteWriter();
    w.uint(300);
    w.str('abc');
    const b = w.finish();
    expect(() => new ByteReader(b.subarray(0, 1)).uint()).toThrow(/ends early/);
    const r = new ByteReader(b.subarray(0, b.length - 1));
    r.uint();
    expect(() => r.str()).toThrow(/ends early/);
    const c = new ByteWriter();
    c.uint(1000);
    expect(() => new ByteReader(c.finish()).count()).toThrow(/count 1000 exceeds/);
    expect(() => new ByteReader(Uint8Array.from([2])).str()).toThrow(/unknown string #0/);
  });
});
