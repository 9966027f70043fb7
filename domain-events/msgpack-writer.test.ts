// The writer against msgpackr itself: for every value a block can hold, the same bytes.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MsgpackWriter } from './msgpack-writer.js';

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true, moreTypes: false });

function written(v: unknown): Uint8Array {
  const w = new MsgpackWriter(8);
  w.value(v);
  return w.bytes().slice();
}

const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 127, 128, -32, -33, -128, -129, 255, 256, 65535, 65536, -32768, -32769, 2 ** 31, 2 ** 32, -(2 ** 31), -(2 ** 31) - 1, NaN, Infinity),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ maxLength: 70000 }).filter((s) => s.length > 0x8000 || s.length < 80),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 20 }), fc.dictionary(fc.string({ maxLength: 12 }), tie('v'), { maxKeys: 20 })),
})).v;

describe('MsgpackWriter', () => {
  it('writes what msgpackr packs, byte for byte (numbers, bigints, strings, lists, maps)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(Buffer.from(written(v)).toString('hex')).toBe(Buffer.from(packr.pack(v)).toString('hex'));
      }),
      { seed: 14, numRuns: 600 },
    );
  });

  it('lists longer than 65535 and lone surrogates in short and long strings', () => {
    for (const v of [new Array(70000).fill(1), '\ud800x', '\udc00'.repeat(70), 'a'.repeat(31) + 'é', 'é'.repeat(16)])
      expect(Buffer.from(written(v)).equals(Buffer.from(packr.pack(v)))).toBe(true);
  });

  it('refuses what msgpackr refuses (a bigint beyond 64 bits) and what a block never holds', () => {
    expect(() => written(1n << 64n)).toThrow(RangeError);
    expect(() => written(new Map())).toThrow(/cannot write a Map/);
  });
});
