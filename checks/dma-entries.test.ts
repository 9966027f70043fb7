// The shadow's DMA-API entries answer every question as the dmaApi reducer's state does: fed the
// same random calls (colliding addresses, duplicates, sg lists with and without DMA addresses,
// failed maps, DMA_MAPPING_ERROR), before each call the entry it releases, the containing entry
// of nearby addresses, the first entry and the count agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DMA_CALLS, DmaApiCalled, type DmaCall, type IommuEvent } from '../domain-events/index.js';
import { DMA_MAPPING_ERROR, type DeviceDma, type DmaApiState, type DmaEntry, dmaApiSlice, entryKey, findEntry, initialState, isUnmapCall, Tx } from '../reducers/index.js';
import { DmaEntries } from './dma-entries.js';

const DEVS = ['0000:00:04.0', '0000:00:05.0'];
const BASE = 0xfff00000n;

/** match.ts before the shadow kept its own entries: the reference */
function containingIn(d: DeviceDma | undefined, addr: bigint): DmaEntry | undefined {
  if (d === undefined) return undefined;
  const k = entryKey(addr);
  let hit: DmaEntry | undefined;
  d.live.forEachDescending(k, (key, list) => {
    if (key < k - (1 << 14)) return false;
    for (const x of list) if (x.dmaAddr <= addr && addr < x.dmaAddr + (x.size === 0n ? 1n : x.size)) hit = x;
    return hit === undefined;
  });
  return hit;
}

function firstIn(d: DeviceDma | undefined): DmaEntry | undefined {
  let first: DmaEntry | undefined;
  d?.live.forEach((_, list) => {
    first = list[0];
    return false;
  });
  return first;
}

const addr = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom(0n, 0x10n, 0x800n)).map(([page, off]) => BASE + BigInt(page) * 0x1000n + off);
const phys = fc.integer({ min: 0, max: 3 }).map((i) => 0x40000000n + BigInt(i) * 0x1000n);
interface Call {
  device: string;
  call: DmaCall;
  addr: bigint | null;
  size: bigint | null;
  /** physical list, nents, whether the DMA address is traced */
  sg: [bigint[], number, boolean] | null;
  errno: 'ENOMEM' | null;
}

const call: fc.Arbitrary<Call> = fc.record({
  device: fc.constantFrom(...DEVS),
  call: fc.constantFrom(...DMA_CALLS),
  addr: fc.oneof({ weight: 8, arbitrary: addr }, { weight: 1, arbitrary: fc.constant(DMA_MAPPING_ERROR) }, { weight: 1, arbitrary: fc.constant(null) }),
  size: fc.constantFrom(0x10n, 0x1000n, 0x3000n, null),
  sg: fc.option(fc.tuple(fc.array(phys, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 4 }), fc.boolean()), { freq: 3 }),
  errno: fc.constantFrom(null, null, null, null, 'ENOMEM' as const),
});

function event(c: Call, seq: number): IommuEvent {
  const sg = c.sg === null ? null : { nents: c.sg[1], nentsTotal: c.sg[1], ents: 1, entsTotal: 1, dmaAddrs: c.sg[2] && c.addr !== null ? [c.addr] : [], sizes: [0x1000n], physAddrs: c.sg[0], truncated: false };
  const e = DmaApiCalled.make({ device: c.device, call: c.call, dir: 'BIDIRECTIONAL', dmaAddr: c.sg !== null ? null : c.addr, phys: c.sg === null ? 0x40000000n : null, size: c.sg !== null ? null : c.size, attrs: '', gfp: null, sg, errno: isUnmapCall(c.call) ? null : c.errno, domain: 1 });
  return { ...e, seq } as IommuEvent;
}

describe('the shadow DMA-API entries', () => {
  it('answer as the dmaApi reducer state does, call after call', () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 20, maxLength: 160, size: 'max' }), (calls) => {
        let st: DmaApiState = initialState().dmaApi;
        const tx = new Tx();
        const mine = new DmaEntries();
        calls.forEach((c, seq) => {
          const e = event(c, seq);
          if (e.type !== 'DmaApiCalled') return;
          const got: unknown[] = [];
          const want: unknown[] = [];
          for (const dev of DEVS) {
            const d = st.devices[dev];
            const m = mine.device(dev);
            got.push(m?.count ?? 0, m?.first());
            want.push(d?.count ?? 0, firstIn(d));
            for (let p = -1; p < 8; p++)
              for (const off of [0n, 0x18n]) {
                got.push(m?.containing(BASE + BigInt(p) * 0x1000n + off));
                want.push(containingIn(d, BASE + BigInt(p) * 0x1000n + off));
              }
          }
          expect(got).toEqual(want);
          if (isUnmapCall(e.call)) {
            const d = st.devices[e.device];
            expect(mine.releasedBy(e)).toEqual(d === undefined ? undefined : findEntry(d, e));
          }
          st = dmaApiSlice.on.DmaApiCalled!(st, e, tx);
          mine.apply(e);
        });
        // and a run resumed from the state: the same entries
        const again = DmaEntries.of(st);
        for (const dev of DEVS) {
          expect(again.device(dev)?.count ?? 0).toBe(mine.device(dev)?.count ?? 0);
          expect(again.device(dev)?.first()).toEqual(mine.device(dev)?.first());
        }
      }),
      { seed: 3, numRuns: 100 },
    );
  });
});
