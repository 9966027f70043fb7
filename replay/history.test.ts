// History from the index: the events that touched a thing, in order, with the state after each.
import { describe, expect, it } from 'vitest';
import { DeviceAttached, DmaApiCalled, DomainAllocated, type IommuEvent, isInputError, Mapped, MsiPageGot, Unmapped } from '../domain-events/index.js';
import { HistoryIndex } from './history-index.js';
import { history } from './history.js';

function stamp(events: IommuEvent[]): IommuEvent[] {
  return events.map((e, i) => ({ ...e, seq: i, line: 10 + i, src: 't.txt' }) as IommuEvent);
}

const dom = (id: number) =>
  DomainAllocated.make({ domain: id, domainType: 'DMA', apertureStart: 0n, apertureEnd: (1n << 48n) - 1n, forceAperture: true, pgsizeBitmap: 0x40201000n, fmt: 'VTD_SL', group: id, parent: null, owner: 'default' });
const map = (d: number, iova: bigint, paddr: bigint, size: bigint) => Mapped.make({ domain: d, iova, paddr, size, prot: 3, leaves: null, warn: 0 });
const unmap = (d: number, iova: bigint, size: bigint) => Unmapped.make({ domain: d, iova, size, unmappedSize: size, warn: 0 });

const events = stamp([
  dom(1),
  dom(2),
  DeviceAttached.make({ device: 'dev-a', domain: 1, errno: null }),
  map(1, 0xfffff000n, 0x4000n, 0x1000n),
  map(2, 0xfffff000n, 0x9000n, 0x1000n),
  map(1, 0x80000000n, 0x4000n, 0x400000n),
  unmap(1, 0xfffff000n, 0x1000n),
  DmaApiCalled.make({ device: 'dev-a', call: 'map_page', dir: 'TO_DEVICE', dmaAddr: 0xffffe000n, phys: 0x7000n, size: 0x100n, attrs: '', gfp: null, sg: null, errno: null, domain: 1 }),
  MsiPageGot.make({ domain: 1, device: 'dev-a', doorbell: 0x8090000n, iova: 0xffffd000n, cookie: 'dma', reused: false, refcount: 0 }),
]);
const ix = HistoryIndex.build([events]);

describe('history', () => {
  it('of an IOVA in one domain: its map and unmap, with the translation after each', () => {
    const h = history(ix, { kind: 'iova', lo: 0xfffff000n, hi: 0xfffff001n, domain: 1 });
    expect(h.map((x) => [x.seq, x.line, x.after])).toEqual([
      [3, 13, 'domain 1: 1 page(s) mapped -> 0x4000'],
      [6, 16, 'not mapped'],
    ]);
  });

  it('of an IOVA in every domain', () => {
    const h = history(ix, { kind: 'iova', lo: 0xfffff000n, hi: 0x100000000n, domain: null });
    expect(h.map((x) => x.seq)).toEqual([3, 4, 6]);
    expect(h[2].after).toBe('domain 2: 1 page(s) mapped -> 0x9000');
  });

  it('of a physical page: every mapping of it, and their unmaps', () => {
    const h = history(ix, { kind: 'phys', lo: 0x4000n, hi: 0x5000n });
    expect(h.map((x) => x.seq)).toEqual([3, 5, 6]);
    expect(h.map((x) => x.after)).toEqual(['domain 1: 1 page(s) mapped', 'domain 1: 2 page(s) mapped', 'domain 1: 1 page(s) mapped']);
  });

  it('of a device, a domain and a doorbell', () => {
    expect(history(ix, { kind: 'device', name: 'dev-a' }).map((x) => x.after)).toEqual([
      'domain 1, 0 live DMA-API mapping(s)',
      'domain 1, 1 live DMA-API mapping(s)',
      'domain 1, 1 live DMA-API mapping(s)',
    ]);
    expect(history(ix, { kind: 'domain', id: 2 }).map((x) => x.seq)).toEqual([1, 4]);
    expect(history(ix, { kind: 'doorbell', addr: 0x8090000n })[0].after).toBe('mapped at 0xffffd000 in domain 1');
  });

  it('a thing never touched is an InputError', () => {
    let err: unknown;
    try {
      history(ix, { kind: 'iova', lo: 0x1000n, hi: 0x2000n, domain: null });
    } catch (x) {
      err = x;
    }
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/no event ever touched it/);
  });
});
