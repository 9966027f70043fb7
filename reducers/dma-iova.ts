// The live dma_iova ranges (dma-iommu.c 7.3.4 struct dma_iova_state): what each range reserved and
// which parts of it are linked. The allocator and page-table slices follow the Iova* and Mapped /
// Unmapped events the calls make; this slice keeps what only the API knows: that a range belongs
// to one request, and what was linked into it. Few at a time (one per request in flight): immer.
import { immerSlice } from './slice.js';

export interface DmaIovaLink {
  readonly iova: bigint;
  readonly length: bigint;
  /** the DmaIovaLinked event */
  readonly seq: number;
}

export interface DmaIovaRange {
  readonly device: string;
  readonly domain: number;
  /** state->addr */
  readonly state: bigint;
  readonly size: bigint;
  /** the range reserved: [iova, iova + length) */
  readonly iova: bigint;
  readonly length: bigint;
  /** the DmaIovaAllocated event */
  readonly seq: number;
  /** linked pieces still mapped, in link order */
  readonly links: readonly DmaIovaLink[];
}

export interface DmaIovaSliceState {
  /** live ranges by dmaIovaKey */
  readonly live: Readonly<Record<string, DmaIovaRange>>;
  /** ranges given back, by the same key: the DmaIovaFreed event's seq, until the key is allocated again */
  readonly freed: Readonly<Record<string, number>>;
}

/** A state is known by its domain and state->addr (live ranges never overlap in a domain). */
export function dmaIovaKey(domain: number, state: bigint): string {
  return `${domain}:${state.toString(16)}`;
}

/** `links` minus [iova, iova + length): an unlink may cover several links or part of one. */
export function unlinkRange(links: readonly DmaIovaLink[], iova: bigint, length: bigint): DmaIovaLink[] {
  const end = iova + length;
  const out: DmaIovaLink[] = [];
  for (const l of links) {
    const lEnd = l.iova + l.length;
    if (lEnd <= iova || l.iova >= end) {
      out.push(l);
      continue;
    }
    if (l.iova < iova) out.push({ iova: l.iova, length: iova - l.iova, seq: l.seq });
    if (lEnd > end) out.push({ iova: end, length: lEnd - end, seq: l.seq });
  }
  return out;
}

export const dmaIovaSlice = immerSlice<DmaIovaSliceState>({
  name: 'dmaIova',
  initial: { live: {}, freed: {} },
  on: {
    DmaIovaAllocated(d, e) {
      if (e.state === null || e.domain === null || e.iova === null) return;
      const key = dmaIovaKey(e.domain, e.state);
      d.live[key] = { device: e.device, domain: e.domain, state: e.state, size: e.size, iova: e.iova, length: e.length, seq: e.seq, links: [] };
      delete d.freed[key];
    },
    DmaIovaLinked(d, e) {
      const r = d.live[dmaIovaKey(e.domain, e.state)];
      if (r && e.errno === null) r.links.push({ iova: e.iova, length: e.length, seq: e.seq });
    },
    DmaIovaUnlinked(d, e) {
      const r = d.live[dmaIovaKey(e.domain, e.state)];
      if (r && e.unmapped > 0n) r.links = unlinkRange(r.links, e.iova, e.unmapped);
    },
    DmaIovaFreed(d, e) {
      const key = dmaIovaKey(e.domain, e.state);
      if (!d.live[key]) return;
      delete d.live[key];
      d.freed[key] = e.seq;
    },
    DomainFreed(d, e) {
      const prefix = `${e.domain}:`;
      for (const k of Object.keys(d.live)) if (k.startsWith(prefix)) delete d.live[k];
      for (const k of Object.keys(d.freed)) if (k.startsWith(prefix)) delete d.freed[k];
    },
  },
  snapshot: (s) => s,
  restore: (data) => data as DmaIovaSliceState,
  hash(s, h) {
    for (const k of Object.keys(s.live).sort()) {
      const r = s.live[k];
      h.add('dmaIova', k, r.device, r.size, r.iova, r.length, r.seq);
      for (const l of r.links) h.add('link', l.iova, l.length, l.seq);
    }
    for (const k of Object.keys(s.freed).sort()) h.add('freed', k, s.freed[k]);
  },
});
