// One question, one answer: "which events touched IOVA range [lo, hi) (in domain D)?" is asked
// by `history --iova` through its index and by `events --range` while streaming. Both use what
// this file says an event is about (its IOVA span) and when a span touches a range (any 4 KiB
// page in common; an event whose domain is not known touches every domain), so they list the
// same events.
import { type IommuEvent } from '../domain-events/index.js';
import { pfnOf } from '../reducers/index.js';

export type AddressSpace = 'iova' | 'phys';

/** The IOVA and physical ranges an event touches. */
export function rangesOf(e: IommuEvent, granule: (domain: number) => number): { space: AddressSpace; addr: bigint; size: bigint }[] {
  switch (e.type) {
    case 'Mapped':
    case 'MapFailed':
      return [
        { space: 'iova', addr: e.iova, size: e.size },
        { space: 'phys', addr: e.paddr, size: e.size },
      ];
    case 'Unmapped':
      return [{ space: 'iova', addr: e.iova, size: e.size > e.unmappedSize ? e.size : e.unmappedSize }];
    case 'PgtableTableFreed':
    case 'PgtableTableAllocated':
      return [{ space: 'iova', addr: e.iova, size: e.size }];
    case 'IotlbFlushed':
      return e.iova === null ? [] : [{ space: 'iova', addr: e.iova, size: e.size ?? 1n }];
    case 'IovaAllocated':
    case 'IovaFreed': {
      const g = BigInt(granule(e.domain));
      return [{ space: 'iova', addr: BigInt(e.pfnLo) * g, size: BigInt(e.pfnHi - e.pfnLo + 1) * g }];
    }
    case 'IovaCached':
      return [{ space: 'iova', addr: BigInt(e.pfn) * BigInt(granule(e.domain)), size: BigInt(e.size) * BigInt(granule(e.domain)) }];
    case 'FlushQueued':
      return [{ space: 'iova', addr: BigInt(e.pfn) * BigInt(granule(e.domain)), size: BigInt(e.pages) * BigInt(granule(e.domain)) }];
    case 'MsiPageGot':
      return [
        { space: 'iova', addr: e.iova, size: 1n },
        { space: 'phys', addr: e.doorbell, size: 1n },
      ];
    case 'PageFaulted':
      return [{ space: 'iova', addr: e.iova, size: 1n }];
    case 'DmaIovaAllocated':
      return e.iova === null ? [] : [{ space: 'iova', addr: e.iova, size: e.length }];
    case 'DmaIovaLinked':
      return [
        { space: 'iova', addr: e.iova, size: e.length },
        { space: 'phys', addr: e.phys, size: e.size },
      ];
    case 'DmaIovaUnlinked':
    case 'DmaIovaFreed':
      return [{ space: 'iova', addr: e.iova, size: e.length }];
    case 'DmaApiCalled': {
      const out: { space: AddressSpace; addr: bigint; size: bigint }[] = [];
      if (e.dmaAddr !== null) out.push({ space: 'iova', addr: e.dmaAddr, size: e.size ?? 1n });
      if (e.phys !== null) out.push({ space: 'phys', addr: e.phys, size: e.size ?? 1n });
      if (e.sg) {
        e.sg.dmaAddrs.forEach((a, i) => out.push({ space: 'iova', addr: a, size: e.sg!.sizes[i] ?? 1n }));
        for (const p of e.sg.physAddrs) out.push({ space: 'phys', addr: p, size: 1n });
      }
      return out;
    }
    default:
      return [];
  }
}

export interface IovaQuery {
  /** bytes [lo, hi) */
  readonly lo: bigint;
  readonly hi: bigint;
  /** only this domain (events of no known domain too); null: any */
  readonly domain: number | null;
}

/**
 * The one IOVA range an event is about: its first IOVA range (an unmap: the larger of size and
 * unmapped size; allocator events: pfns times the domain's granule), or for a scatter-gather
 * DMA-API call the whole span of its segments.
 */
export function iovaSpanOf(e: IommuEvent, granule: (domain: number) => number): { addr: bigint; size: bigint } | null {
  if (e.type === 'DmaApiCalled' && e.sg && e.sg.dmaAddrs.length > 1) {
    const lo = e.sg.dmaAddrs.reduce((a, b) => (b < a ? b : a));
    let hi = lo;
    e.sg.dmaAddrs.forEach((a, i) => {
      const end = a + (e.sg!.sizes[i] ?? 1n);
      if (end > hi) hi = end;
    });
    return { addr: lo, size: hi - lo };
  }
  for (const r of rangesOf(e, granule)) if (r.space === 'iova') return { addr: r.addr, size: r.size };
  return null;
}

/** A span touches pages [loPfn, hiPfn) when it shares a page with them (an empty span names its page). */
export function spanTouchesPages(pfn: number, offset: number, size: number, loPfn: number, hiPfn: number): boolean {
  return pfn < hiPfn && pfn + Math.ceil((offset + Math.max(1, size)) / 4096) > loPfn;
}

/** The query's pages: every 4 KiB page [lo, hi) has a byte in. */
export function queryPages(q: Pick<IovaQuery, 'lo' | 'hi'>): { loPfn: number; hiPfn: number } {
  return { loPfn: pfnOf(q.lo), hiPfn: pfnOf(q.hi > q.lo ? q.hi - 1n : q.lo) + 1 };
}

/** Streams events against one query, tracking what it needs (each domain's IOVA granule). */
export class IovaMatcher {
  private readonly granules = new Map<number, number>();
  private readonly pages: { loPfn: number; hiPfn: number };

  constructor(readonly q: IovaQuery) {
    this.pages = queryPages(q);
  }

  /** Call for every event in order, matched or not. */
  matches(e: IommuEvent): boolean {
    if (e.type === 'IovaDomainInitialised') this.granules.set(e.domain, e.granule);
    const s = iovaSpanOf(e, (d) => this.granules.get(d) ?? 4096);
    if (s === null) return false;
    if (!spanTouchesPages(pfnOf(s.addr), Number(s.addr & 0xfffn), Number(s.size), this.pages.loPfn, this.pages.hiPfn)) return false;
    const d = (e as { domain?: unknown }).domain;
    return this.q.domain === null || typeof d !== 'number' || d === this.q.domain;
  }
}
