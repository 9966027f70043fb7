// History of one thing: every event that touched it, in order, with provenance, and what that
// thing looked like after each. The index (history-index.ts) says which events to read; the
// "after" column is a fold over just those events, so a query never replays the journal.
import { type IommuEvent, InputError } from '../domain-events/index.js';
import { pagesOf, pfnOf } from '../reducers/index.js';
import { type HistoryIndex, rangesOf, type SeqList } from './history-index.js';

export type Subject =
  | { readonly kind: 'iova'; readonly lo: bigint; readonly hi: bigint; readonly domain: number | null }
  | { readonly kind: 'phys'; readonly lo: bigint; readonly hi: bigint }
  | { readonly kind: 'device'; readonly name: string }
  | { readonly kind: 'domain'; readonly id: number }
  | { readonly kind: 'pasid'; readonly id: number }
  | { readonly kind: 'doorbell'; readonly addr: bigint };

export interface HistoryEntry {
  readonly seq: number;
  readonly line: number | null;
  readonly src: string | null;
  readonly ts: number | null;
  readonly type: string;
  readonly event: IommuEvent;
  /** the subject after this event */
  readonly after: string;
}

const hex = (v: bigint | number): string => '0x' + v.toString(16);

export function describeSubject(s: Subject): string {
  switch (s.kind) {
    case 'iova':
      return `IOVA [${hex(s.lo)}, ${hex(s.hi)})${s.domain !== null ? ` in domain ${s.domain}` : ''}`;
    case 'phys':
      return `physical [${hex(s.lo)}, ${hex(s.hi)})`;
    case 'device':
      return `device ${s.name}`;
    case 'domain':
      return `domain ${s.id}`;
    case 'pasid':
      return `PASID ${s.id}`;
    case 'doorbell':
      return `doorbell ${hex(s.addr)}`;
  }
}

function touches(e: IommuEvent, space: 'iova' | 'phys', lo: bigint, hi: bigint): boolean {
  return rangesOf(e, () => 4096).some((r) => r.space === space && r.addr < hi && r.addr + (r.size > 0n ? r.size : 1n) > lo);
}

function domainOf(e: IommuEvent): number | null {
  const d = (e as { domain?: unknown }).domain;
  return typeof d === 'number' ? d : null;
}

/** The seqs of the subject's events (sorted). */
function candidates(ix: HistoryIndex, s: Subject, eventAt: (seq: number) => IommuEvent): number[] {
  const from = (l: SeqList | undefined): number[] => l?.toArray() ?? [];
  switch (s.kind) {
    case 'iova':
      return ix.iova.query(s.lo, s.hi).filter((q) => {
        const e = eventAt(q);
        return touches(e, 'iova', s.lo, s.hi) && (s.domain === null || domainOf(e) === s.domain || domainOf(e) === null);
      });
    case 'phys': {
      // the maps of the page, and the unmaps of the IOVAs it was mapped at
      const maps = ix.phys.query(s.lo, s.hi).filter((q) => touches(eventAt(q), 'phys', s.lo, s.hi));
      const out = new Set(maps);
      for (const q of maps) {
        const e = eventAt(q);
        if (e.type !== 'Mapped') continue;
        for (const u of ix.iova.query(e.iova, e.iova + e.size)) {
          const x = eventAt(u);
          if (u > q && x.type === 'Unmapped' && x.domain === e.domain && touches(x, 'iova', e.iova, e.iova + e.size)) out.add(u);
        }
      }
      return [...out].sort((a, b) => a - b);
    }
    case 'device':
      return from(ix.devices.get(s.name));
    case 'domain':
      return from(ix.domains.get(s.id));
    case 'pasid':
      return from(ix.pasids.get(s.id));
    case 'doorbell':
      return from(ix.doorbells.get(s.addr));
  }
}

export function history(ix: HistoryIndex, eventAt: (seq: number) => IommuEvent, s: Subject, limit = Infinity): HistoryEntry[] {
  const seqs = candidates(ix, s, eventAt);
  if (seqs.length === 0) throw new InputError(`${describeSubject(s)}: no event ever touched it (${ix.events} events indexed)`);
  const fold = folder(s);
  const out: HistoryEntry[] = [];
  for (const q of seqs) {
    const e = eventAt(q);
    const after = fold(e);
    if (out.length < limit) out.push({ seq: e.seq, line: e.line, src: e.src, ts: e.ts, type: e.type, event: e, after });
  }
  return out;
}

/** A fold over the subject's own events giving its state after each. */
function folder(s: Subject): (e: IommuEvent) => string {
  switch (s.kind) {
    case 'iova':
    case 'phys': {
      /** "domain:pfn" -> physical pfn, for the pages of the subject (IOVA) or its mappings (phys) */
      const live = new Map<string, number>();
      const dma = new Map<string, string>();
      const lo = pfnOf(s.lo);
      const hi = Math.max(lo + 1, pfnOf(s.hi - 1n) + 1);
      return (e) => {
        if (e.type === 'Mapped') {
          const a = pfnOf(e.iova);
          const n = pagesOf(e.size);
          for (let i = 0; i < n && i < 1 << 16; i++) {
            const p = pfnOf(e.paddr) + i;
            if (s.kind === 'iova' ? a + i >= lo && a + i < hi : p >= lo && p < hi) live.set(`${e.domain}:${a + i}`, p);
          }
        } else if (e.type === 'Unmapped') {
          const a = pfnOf(e.iova);
          const n = pagesOf(e.unmappedSize);
          for (const k of [...live.keys()]) {
            const [d, pfn] = k.split(':').map(Number);
            if (d === e.domain && pfn >= a && pfn < a + n) live.delete(k);
          }
        } else if (e.type === 'DomainFreed') {
          for (const k of [...live.keys()]) if (k.startsWith(`${e.domain}:`)) live.delete(k);
        } else if (e.type === 'DmaApiCalled' && e.dmaAddr !== null) {
          if (e.call.startsWith('unmap') || e.call.startsWith('free')) dma.delete(`${e.device}:${e.dmaAddr}`);
          else if (!e.call.startsWith('sync') && e.errno === null) dma.set(`${e.device}:${e.dmaAddr}`, `${e.call} ${e.dir}`);
        }
        const byDomain = new Map<number, number[]>();
        for (const [k, p] of live) {
          const d = Number(k.slice(0, k.indexOf(':')));
          (byDomain.get(d) ?? byDomain.set(d, []).get(d)!).push(p);
        }
        const parts = [...byDomain].map(([d, ps]) => `domain ${d}: ${ps.length} page(s) mapped${s.kind === 'iova' ? ` -> ${hex(BigInt(ps[0]) << 12n)}` : ''}`);
        if (dma.size) parts.push(`DMA-API: ${[...dma].map(([k, v]) => `${k.split(':').slice(0, -1).join(':')} ${v}`).join(', ')}`);
        return parts.length ? parts.join('; ') : 'not mapped';
      };
    }
    case 'device': {
      let domain: number | null = null;
      let live = 0;
      return (e) => {
        if (e.type === 'DeviceAttached' && e.errno === null) domain = e.domain;
        else if (e.type === 'DeviceDetached' && domain === e.domain) domain = null;
        else if (e.type === 'DmaApiCalled' && e.errno === null) {
          if (/^(map|alloc)/.test(e.call)) live++;
          else if (/^(unmap|free)/.test(e.call) && live > 0) live--;
        }
        return `domain ${domain ?? '-'}, ${live} live DMA-API mapping(s)`;
      };
    }
    case 'domain': {
      let pages = 0;
      const devices = new Set<string>();
      let freed = false;
      return (e) => {
        if (e.type === 'Mapped') pages += pagesOf(e.size);
        else if (e.type === 'Unmapped') pages = Math.max(0, pages - pagesOf(e.unmappedSize));
        else if (e.type === 'DeviceAttached' && e.errno === null) devices.add(e.device);
        else if (e.type === 'DeviceDetached') devices.delete(e.device);
        else if (e.type === 'DomainFreed') freed = true;
        else if (e.type === 'DomainAllocated') freed = false;
        return `${freed ? 'freed, ' : ''}${pages} page(s) mapped, devices: ${[...devices].join(' ') || '-'}`;
      };
    }
    case 'pasid': {
      let state = 'unknown';
      return (e) => {
        if (e.type === 'IoasidAllocated' || e.type === 'PasidAllocated') state = 'allocated';
        else if ((e.type === 'IoasidFreed' || e.type === 'PasidFreed') && e.found) state = 'free';
        else if (e.type === 'SvaBound' && e.errno === null) state = `bound to ${e.mm} for ${e.device}`;
        else if (e.type === 'SvaUnbound') state = 'allocated (unbound)';
        return state;
      };
    }
    case 'doorbell': {
      const at = new Map<number, bigint>();
      return (e) => {
        if (e.type === 'MsiPageGot') at.set(e.domain, e.iova);
        else if (e.type === 'MsiPagePut' && e.released) at.delete(e.domain);
        return at.size ? [...at].map(([d, i]) => `mapped at ${hex(i)} in domain ${d}`).join('; ') : 'not mapped';
      };
    }
  }
}
