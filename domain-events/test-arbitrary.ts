// fast-check arbitraries for events of every type, drawn from the schema itself (for codec
// tests: every field kind, nulls, 64-bit extremes, odd strings).
import fc from 'fast-check';
import { EVENT_DEFS, type IommuEvent } from './catalog.js';
import { type FieldKind } from './schema.js';

const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 0n, max: 1n << 40n }).map((x) => x << 12n),
  fc.constantFrom(0n, 0x1000n, 0xfffffffffffff000n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n),
);
// int fields hold ids, counts, lines and nanoseconds: never negative. (Deltas between a negative
// and a positive safe integer may not be exact doubles, so the codec's integer columns assume this.)
const int = fc.oneof(fc.integer({ min: 0, max: 100000 }), fc.constantFrom(0, 127, 128, 255, 256, 65535, 65536, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 90 }), fc.constantFrom('', 'kworker/0:1H', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(64), 'é'.repeat(40)));

export function fieldArb(kind: FieldKind): fc.Arbitrary<unknown> {
  switch (kind.k) {
    case 'u64':
      return u64;
    case 'int':
      return int;
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'num':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0.5, 0.97, 1));
    case 'str':
      return text;
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...kind.values);
    case 'opt':
      return fc.option(fieldArb(kind.of), { nil: null, freq: 3 });
    case 'list':
      return fc.array(fieldArb(kind.of), { maxLength: 20 });
    case 'obj': {
      const rec: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [n, f] of Object.entries(kind.fields)) rec[n] = fieldArb(f);
      return fc.record(rec);
    }
  }
}

const metaArb = fc.record({
  ts: fc.option(int, { nil: null }),
  cpu: fc.option(fc.integer({ min: 0, max: 511 }), { nil: null }),
  src: fc.option(fc.constantFrom('trace.txt', 'a/b/report.txt', 'synthetic'), { nil: null }),
  line: fc.option(fc.integer({ min: 1, max: 1 << 30 }), { nil: null }),
  cmd: fc.option(text, { nil: null }),
  task: fc.option(text, { nil: null }),
  pid: fc.option(fc.integer({ min: 0, max: 1 << 22 }), { nil: null }),
  irq: fc.option(fc.constantFrom('d.h1.', '.....', 'dNs..'), { nil: null }),
  how: fc.option(fc.constantFrom('dma-event', 'unmap-live', 'allocator'), { nil: null }),
  conf: fc.option(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.9)), { nil: null }),
});

/** One event of any type, its fields drawn from its schema. */
export const eventArb: fc.Arbitrary<IommuEvent> = fc.oneof(
  ...EVENT_DEFS.map((def) => {
    const rec: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [n, f] of Object.entries(def.fields)) rec[n] = fieldArb(f);
    return fc.tuple(fc.record(rec), metaArb).map(([payload, meta]) => (def.make as (p: unknown, m: unknown) => IommuEvent)(payload, meta));
  }),
);

/** A block's worth of events with seqs from `first` (with gaps when `gaps`). */
export function eventsArb(maxLength = 60): fc.Arbitrary<IommuEvent[]> {
  return fc.tuple(fc.array(eventArb, { minLength: 0, maxLength }), fc.nat(1 << 30), fc.boolean()).map(([events, first, gaps]) => {
    let seq = first;
    for (const e of events) {
      (e as { seq: number }).seq = seq;
      seq += gaps && seq % 3 === 0 ? 2 : 1;
    }
    return events;
  });
}
