// The block codec on its own: events come back as they went in (64-bit addresses included), one
// object shape per event type, and a block whose self-description is damaged is refused with an
// error naming the part, never turned into objects with forged properties.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBlock, encodeBlock, Mapped, packValue, unpackValue } from './index.js';

const ev = (i: number, iova: bigint, paddr: bigint) => ({ ...Mapped.make({ domain: 1, iova, paddr, size: 0x1000n, prot: 3, leaves: null, warn: 0 }, { ts: 1000 + i, cpu: 0, line: i + 1 }), seq: i });

describe('block codec', () => {
  it('round-trips full 64-bit addresses, nulls and envelopes', () => {
    // jumps of more than 2^63 both ways (stored modulo 2^64)
    const events = [ev(0, 0xfffffffffffff000n, 0x1_0000_0000_0000n), ev(1, 0x1000n, 0n), ev(2, 0xfffff000n, 0x4bfa5000n), ev(3, 0xfffffffffffff000n, 0xfffffffffffff000n)];
    const back = decodeBlock(encodeBlock(events));
    expect(back).toEqual(events.map((e) => ({ ...e })));
    expect(Object.keys(back[0])).toEqual(Object.keys(back[2]));
  });

  it('refuses to encode a 64-bit field outside 0..2^64-1 (it would write a block no reader takes)', () => {
    expect(() => encodeBlock([ev(0, -0x1000n, 0n)])).toThrow(/cannot encode Mapped\.iova: 64-bit value -4096 out of range/);
    expect(() => encodeBlock([ev(0, 0x1000n, 1n << 64n)])).toThrow(/Mapped\.paddr/);
  });

  it('refuses a block whose payload names a field no event has the shape of (a damaged or forged journal)', () => {
    for (const bad of ['x-y', 'a'.repeat(100), '0domain']) {
      const block = unpackValue(inflateRawSync(encodeBlock([ev(0, 0x1000n, 0x2000n)]))) as { k: Record<string, Record<string, string>>; p: Record<string, Record<string, unknown>> };
      block.k.Mapped[bad] = 'r';
      block.p.Mapped[bad] = [1];
      expect(() => decodeBlock(deflateRawSync(packValue(block)))).toThrow(/bad field name/);
    }
  });
});
