// The block codec on its own: events come back as they went in (64-bit addresses included), one
// object shape per event type, and a block whose self-description is damaged is refused with an
// error naming the part, never turned into objects with forged properties.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBlock, decodePackedBlock, encodeBlock, envelopeFields, eventDefs, type FieldKind, type IommuEvent, Mapped, packBlock, packValue, unpackValue } from './index.js';
import { eventsArb } from './test-arbitrary.js';

const ev = (i: number, iova: bigint, paddr: bigint) => ({ ...Mapped.make({ domain: 1, iova, paddr, size: 0x1000n, prot: 3, leaves: null, warn: 0 }, { ts: 1000 + i, cpu: 0, line: i + 1 }), seq: i });

describe('block codec', () => {
  it('round-trips full 64-bit addresses, nulls and envelopes', () => {
    // jumps of more than 2^63 both ways (stored modulo 2^64)
    const events = [ev(0, 0xfffffffffffff000n, 0x1_0000_0000_0000n), ev(1, 0x1000n, 0n), ev(2, 0xfffff000n, 0x4bfa5000n), ev(3, 0xfffffffffffff000n, 0xfffffffffffff000n)];
    const back = decodeBlock(encodeBlock(events));
    expect(back).toEqual(events.map((e) => ({ ...e })));
    expect(Object.keys(back[0])).toEqual(Object.keys(back[2]));
  });

  it('decodes 64-bit columns exactly across 2^53, where the reader leaves double arithmetic for bigint and comes back', () => {
    // given addresses just below, at and above 2^53 (no double holds 2^53 + 1), in and out of it
    const at = 1n << 53n;
    const addrs = [at - 0x1000n, at - 1n, at, at + 1n, at + 0x1001n, 0x2000n, at - 1n, (1n << 64n) - 1n, at + 3n, 0n, at - 2n];
    const events = addrs.map((a, i) => ev(i, a, (1n << 63n) + BigInt(i)));
    // when they go through a block, then every value comes back exactly
    const back = decodeBlock(encodeBlock(events));
    expect(back.map((e) => e.iova)).toEqual(addrs);
    expect(back.map((e) => e.paddr)).toEqual(events.map((e) => e.paddr));
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

describe('block writer', () => {
  it('packs a block to the very bytes msgpackr packs the column object into (the encoder it replaced)', () => {
    fc.assert(
      fc.property(eventsArb(), (events) => {
        let want: string;
        try {
          want = Buffer.from(packValue(referenceBlock(events))).toString('hex');
        } catch (err) {
          // a value the old encoder refused is refused with the same message
          expect(() => packBlock(events)).toThrow((err as Error).message);
          return;
        }
        expect(Buffer.from(packBlock(events)).toString('hex')).toBe(want);
        expect(decodeBlock(encodeBlock(events))).toEqual(events.map((e) => ({ ...e })));
        expect(decodePackedBlock(packBlock(events))).toEqual(events.map((e) => ({ ...e })));
      }),
      { seed: 20261203, numRuns: 400 },
    );
  });
});

// The column object the codec packed with msgpackr before it wrote the columns itself: kept as
// the definition of the block format the writer must reproduce.
function referenceBlock(events: readonly IommuEvent[]): Record<string, unknown> {
  const U64 = 1n << 64n;
  const code = (kind: FieldKind): string => {
    const base = kind.k === 'opt' ? kind.of : kind;
    return base.k === 'int' || base.k === 'u32' ? 'i' : base.k === 'u64' ? 'u' : base.k === 'str' || base.k === 'enum' ? 's' : 'r';
  };
  const column = (c: string, values: unknown[]): unknown => {
    if (c === 'i') {
      let prev = 0;
      return values.map((v) => (v === null ? null : ((v as number) - prev + ((prev = v as number), 0))));
    }
    if (c === 'u') {
      let prev = 0n;
      return values.map((v) => {
        if (v === null) return null;
        if ((v as bigint) < 0n || (v as bigint) >= U64) throw new Error(`64-bit value ${String(v)} out of range`);
        let d = (v as bigint) - prev;
        prev = v as bigint;
        if (d >= -9007199254740991n && d <= 9007199254740991n) return Number(d);
        if (d > (1n << 63n) - 1n) d -= U64;
        else if (d < -(1n << 63n)) d += U64;
        return d;
      });
    }
    if (c === 's') {
      const dict = new Map<unknown, number>();
      const d: unknown[] = [];
      const i = values.map((v) => {
        if (v === null) return null;
        if (!dict.has(v)) dict.set(v, d.push(v) - 1);
        return dict.get(v)!;
      });
      return { d, i };
    }
    return values;
  };
  const n = events.length;
  const s0 = n ? events[0].seq : 0;
  const types: string[] = [];
  const byType = new Map<string, IommuEvent[]>();
  const ti = events.map((e) => {
    if (!byType.has(e.type)) {
      types.push(e.type);
      byType.set(e.type, []);
    }
    byType.get(e.type)!.push(e);
    return types.indexOf(e.type);
  });
  const env: Record<string, unknown> = {};
  for (const k of Object.keys(envelopeFields).filter((k) => k !== 'seq'))
    env[k] = column(code((envelopeFields as Record<string, FieldKind>)[k]), events.map((e) => (e as unknown as Record<string, unknown>)[k]));
  const p: Record<string, Record<string, unknown>> = {};
  const k: Record<string, Record<string, string>> = {};
  for (const [type, list] of byType) {
    const def = eventDefs.get(type)!;
    p[type] = {};
    k[type] = {};
    for (const f in def.fields) {
      k[type][f] = code(def.fields[f]);
      try {
        p[type][f] = column(k[type][f], list.map((e) => (e as unknown as Record<string, unknown>)[f]));
      } catch (err) {
        throw new Error(`cannot encode ${type}.${f}: ${(err as Error).message}`);
      }
    }
  }
  const block: Record<string, unknown> = { n, s0, types, ti, env, p, k };
  if (events.some((e, i) => e.seq !== s0 + i)) block.seqs = events.map((e) => e.seq);
  return block;
}
