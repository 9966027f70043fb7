// History of one thing: every event that touched it, in order, with provenance, and what that
// thing looked like after each. The index (history-index.ts) says which events to read; the
// "after" column is a fold over just those events, so a query never replays the journal.
import { InputError } from '../domain-events/index.js';
import { pagesOf, pfnOf } from '../reducers/index.js';
import { type Fact, type HistoryIndex, type SeqList } from './history-index.js';
import { queryPages } from './iova-query.js';

export type HistorySubject =
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
  readonly type: string;
  /** the event in one line: its domain, device and range */
  readonly summary: string;
  /** the subject after this event */
  readonly after: string;
}

const hex = (v: bigint | number): string => '0x' + v.toString(16);

export function describeSubject(s: HistorySubject): string {
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

function span(f: Fact): bigint {
  const n = f.size > f.unmappedSize ? f.size : f.unmappedSize;
  return n > 0n ? n : 1n;
}

function touchesIova(f: Fact, lo: bigint, hi: bigint): boolean {
  return f.iova !== null && f.iova < hi && f.iova + span(f) > lo;
}

/** The seqs of the subject's events (sorted). */
function candidates(ix: HistoryIndex, s: HistorySubject): number[] {
  const from = (l: SeqList | undefined): number[] => l?.toArray() ?? [];
  const fact = (q: number): Fact => ix.facts.get(q);
  switch (s.kind) {
    case 'iova': {
      const { loPfn, hiPfn } = queryPages(s);
      return ix.iova.query(s.lo, s.hi).filter((q) => ix.facts.touchesIova(q, loPfn, hiPfn, s.domain));
    }
    case 'phys': {
      // the maps of the page, and the unmaps of the IOVAs it was mapped at
      const lo = pfnOf(s.lo);
      const hi = pfnOf(s.hi - 1n) + 1;
      const maps = ix.phys.query(s.lo, s.hi).filter((q) => ix.facts.touchesPhys(q, lo, hi));
      const out = new Set(maps);
      for (const q of maps) {
        const m = fact(q);
        if (m.type !== 'Mapped' || m.iova === null) continue;
        for (const u of ix.iova.query(m.iova, m.iova + m.size)) {
          const x = fact(u);
          if (u > q && x.type === 'Unmapped' && x.domain === m.domain && touchesIova(x, m.iova, m.iova + m.size)) out.add(u);
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

export function summarizeFact(f: Fact): string {
  const parts: string[] = [f.type];
  if (f.domain !== null) parts.push(`domain=${f.domain}`);
  if (f.device !== null) parts.push(`device=${f.device}`);
  if (f.iova !== null) parts.push(`iova=${hex(f.iova)}`, `size=${hex(f.size)}`);
  if (f.type === 'Unmapped' && f.unmappedSize !== f.size) parts.push(`unmapped=${hex(f.unmappedSize)}`);
  if (f.paddr !== null) parts.push(`${f.type === 'MsiPageGot' ? 'doorbell' : 'paddr'}=${hex(f.paddr)}`);
  return parts.join(' ');
}

/**
 * The subject's history: every event that touched it, oldest first; with `before`, only up to
 * that seq, and with `limit`, only the last `limit` of those (the ones nearest the point of
 * interest). The "after" column is folded over all of them.
 */
export function history(ix: HistoryIndex, s: HistorySubject, opts: { limit?: number; before?: number } = {}): HistoryEntry[] {
  const all = candidates(ix, s);
  if (all.length === 0) throw new InputError(`${describeSubject(s)}: no event ever touched it (${ix.events} events indexed)`);
  const seqs = opts.before === undefined ? all : all.filter((q) => q <= opts.before!);
  const fold = folder(s);
  const limit = opts.limit ?? Infinity;
  const out: HistoryEntry[] = [];
  for (let i = 0; i < seqs.length; i++) {
    const f = ix.facts.get(seqs[i]);
    const after = fold(f);
    if (i >= seqs.length - limit) out.push({ seq: f.seq, line: f.line, src: f.src, type: f.type, summary: summarizeFact(f), after });
  }
  return out;
}

/** A fold over the subject's own events giving its state after each. */
function folder(s: HistorySubject): (f: Fact) => string {
  switch (s.kind) {
    case 'iova':
    case 'phys': {
      /** "domain:pfn" -> physical pfn, for the pages of the subject (IOVA) or its mappings (phys) */
      const live = new Map<string, number>();
      const dma = new Map<string, string>();
      const lo = pfnOf(s.lo);
      const hi = Math.max(lo + 1, pfnOf(s.hi - 1n) + 1);
      return (f) => {
        if (f.type === 'Mapped' && f.iova !== null && f.paddr !== null) {
          const a = pfnOf(f.iova);
          const n = pagesOf(f.size);
          for (let i = 0; i < n && i < 1 << 16; i++) {
            const p = pfnOf(f.paddr) + i;
            if (s.kind === 'iova' ? a + i >= lo && a + i < hi : p >= lo && p < hi) live.set(`${f.domain}:${a + i}`, p);
          }
        } else if (f.type === 'Unmapped' && f.iova !== null) {
          const a = pfnOf(f.iova);
          const n = pagesOf(f.unmappedSize);
          for (const k of [...live.keys()]) {
            const [d, pfn] = k.split(':').map(Number);
            if (d === f.domain && pfn >= a && pfn < a + n) live.delete(k);
          }
        } else if (f.type === 'DomainFreed') {
          for (const k of [...live.keys()]) if (k.startsWith(`${f.domain}:`)) live.delete(k);
        } else if (f.type === 'DmaApiCalled' && f.iova !== null && f.ok) {
          const key = `${f.device} @${hex(f.iova)}`;
          if (f.paddr === null) dma.delete(key);
          else dma.set(key, 'mapped');
        }
        const byDomain = new Map<number, number[]>();
        for (const [k, p] of live) {
          const d = Number(k.slice(0, k.indexOf(':')));
          (byDomain.get(d) ?? byDomain.set(d, []).get(d)!).push(p);
        }
        const parts = [...byDomain].map(([d, ps]) => `domain ${d}: ${ps.length} page(s) mapped${s.kind === 'iova' ? ` -> ${hex(BigInt(ps[0]) << 12n)}` : ''}`);
        if (dma.size) parts.push(`DMA-API: ${[...dma.keys()].join(', ')}`);
        return parts.length ? parts.join('; ') : 'not mapped';
      };
    }
    case 'device': {
      let domain: number | null = null;
      let live = 0;
      return (f) => {
        if (f.type === 'DeviceAttached') domain = f.domain;
        else if (f.type === 'DeviceDetached' && domain === f.domain) domain = null;
        else if (f.type === 'DmaApiCalled' && f.ok && f.iova !== null) {
          // map calls carry the physical address, unmap calls do not
          if (f.paddr !== null) live++;
          else if (live > 0) live--;
        }
        return `domain ${domain ?? '-'}, ${live} live DMA-API mapping(s)`;
      };
    }
    case 'domain': {
      let pages = 0;
      const devices = new Set<string>();
      let freed = false;
      return (f) => {
        if (f.type === 'Mapped') pages += pagesOf(f.size);
        else if (f.type === 'Unmapped') pages = Math.max(0, pages - pagesOf(f.unmappedSize));
        else if (f.type === 'DeviceAttached' && f.device !== null) devices.add(f.device);
        else if (f.type === 'DeviceDetached' && f.device !== null) devices.delete(f.device);
        else if (f.type === 'DomainFreed') freed = true;
        else if (f.type === 'DomainAllocated') freed = false;
        return `${freed ? 'freed, ' : ''}${pages} page(s) mapped, devices: ${[...devices].join(' ') || '-'}`;
      };
    }
    case 'pasid': {
      let state = 'unknown';
      return (f) => {
        if (f.type === 'IoasidAllocated' || f.type === 'PasidAllocated') state = 'allocated';
        else if (f.type === 'IoasidFreed' || f.type === 'PasidFreed') state = 'free';
        else if (f.type === 'SvaBound') state = `bound for ${f.device}`;
        else if (f.type === 'SvaUnbound') state = 'allocated (unbound)';
        return state;
      };
    }
    case 'doorbell': {
      const at = new Map<number, bigint>();
      return (f) => {
        if (f.type === 'MsiPageGot' && f.domain !== null && f.iova !== null) at.set(f.domain, f.iova);
        else if (f.type === 'MsiPagePut' && f.domain !== null) at.delete(f.domain);
        return at.size ? [...at].map(([d, i]) => `mapped at ${hex(i)} in domain ${d}`).join('; ') : 'not mapped';
      };
    }
  }
}
