// What an event changes in a domain's translations, as runs: the page-table events name an IOVA
// range, the pageTables reducer replaces the runs overlapping it (splitting those that stick out),
// so the runs overlapping that range before the event and the runs over the same extent after it
// differ exactly where the translations changed. The common cases (a map over nothing, an unmap
// of whole runs) are answered from the event and the runs before it alone.
import { type IommuEvent } from '../../domain-events/index.js';
import { overlapping, pagesOf, pfnOf, type Run, runEnd, runPages } from '../../reducers/index.js';
import { type ShadowState } from '../shadow.js';
import { runsOver } from './live.js';

/** The runs an event may rewrite, taken before it is applied (one object, filled per event). */
export class Rewrite {
  domain = 0;
  /** the rewritten IOVA pfns */
  a = 0;
  b = 0;
  before: readonly Run[] = [];
  /** a map without producer leaves: the pages translate to ppfn.. in order (the split iommu_map makes); -1: not one */
  ppfn = -1;
  /** leaves are only written (Mapped, MapFailed), or only removed (Unmapped, PgtableTableFreed) */
  writes = false;

  /** Fills in the rewrite the pageTables reducer makes for the event (its handlers' ranges); false if none. */
  of(e: IommuEvent, s: ShadowState): boolean {
    switch (e.type) {
      case 'Mapped':
      case 'MapFailed': {
        // the leaves written (MapFailed: those written before the error), else iommu_map's split
        if (e.leaves) return e.leaves.length > 0 && this.leaves(s, e, e.leaves);
        if (e.type === 'MapFailed') return false;
        const a = pfnOf(e.iova);
        return this.span(s, e, e.domain, a, a + pagesOf(e.size), pfnOf(e.paddr), true);
      }
      case 'Unmapped': {
        const pages = pagesOf(e.unmappedSize);
        const a = pfnOf(e.iova);
        return pages > 0 && this.span(s, e, e.domain, a, a + pages, -1, false);
      }
      case 'PgtableTableFreed': {
        // a freed table takes every leaf below it
        const a = pfnOf(e.iova);
        return this.span(s, e, e.domain, a, a + pagesOf(e.size), -1, false);
      }
      default:
        return false;
    }
  }

  private span(s: ShadowState, e: IommuEvent, domain: number, a: number, b: number, ppfn: number, writes: boolean): boolean {
    // the reducer's removeRange also splits a run straddling a (for a == b: a zero-length map)
    const before = runsOver(s, domain, a, b, e);
    if (before.length === 0 && a >= b) return false;
    this.domain = domain;
    this.a = a;
    this.b = b;
    this.before = before;
    this.ppfn = ppfn;
    this.writes = writes;
    return true;
  }

  private leaves(s: ShadowState, e: IommuEvent & { domain: number }, leaves: readonly { iova: bigint; pgsize: bigint; count: number }[]): boolean {
    const [a, b] = leafSpan(leaves);
    return this.span(s, e, e.domain, a, b, -1, true);
  }
}

function leafSpan(leaves: readonly { iova: bigint; pgsize: bigint; count: number }[]): [number, number] {
  let a = Infinity;
  let b = -Infinity;
  for (const l of leaves) {
    const pfn = pfnOf(l.iova);
    a = Math.min(a, pfn);
    b = Math.max(b, pfn + (Number(l.pgsize) / 4096) * l.count);
  }
  return [a, b];
}

/** Reports pages [ppfn, ppfn + pages) now translated (by 1) or no longer translated (by -1). */
export type PageChange = (ppfn: number, pages: number, by: 1 | -1) => void;

/** A map over nothing, all of whose runs are at most maxPages long: pages [ppfn, ppfn + b - a) are now translated. */
export function plainMap(w: Rewrite, maxPages: number): boolean {
  return w.before.length === 0 && w.ppfn >= 0 && w.b - w.a <= maxPages;
}

/** An unmap (or a freed table) that removes whole runs: exactly their pages are no longer translated. */
export function wholeUnmap(w: Rewrite): boolean {
  const { before } = w;
  return !w.writes && before.length > 0 && before[0].pfn >= w.a && runEnd(before[before.length - 1]) <= w.b;
}

/**
 * The pages whose translation the rewrite changed, among the runs of at most `maxPages` pages
 * (`s` is the state after the event): those now translated first, then those no longer
 * translated, so a page whose run is only split differently is not reported at all, and one
 * mapped again at once is added before it is removed.
 */
export function changedPages(w: Rewrite, s: ShadowState, maxPages: number, change: PageChange): void {
  if (plainMap(w, maxPages)) change(w.ppfn, w.b - w.a, 1);
  else if (wholeUnmap(w)) {
    for (const r of w.before) if (runPages(r) <= maxPages) change(r.ppfn, runPages(r), -1);
  } else diffRuns(w.before, after(s, w), maxPages, change);
}

/** the runs over the rewrite's extent (its range and the runs before) after the event */
function after(s: ShadowState, w: Rewrite): readonly Run[] {
  const pt = s.pageTables.domains.get(w.domain);
  if (pt === undefined || pt.runs.size === 0) return NONE;
  const { before } = w;
  const lo = before.length ? Math.min(w.a, before[0].pfn) : w.a;
  const hi = before.length ? Math.max(w.b, runEnd(before[before.length - 1])) : w.b;
  // not the scratch: it holds the runs before the event under the same key
  return overlapping(pt.runs, lo, hi);
}

const NONE: Run[] = [];

/**
 * Walks the IOVA pages of two run lists (each sorted, non-overlapping) in segments over which
 * each side is one run or none, and reports the segments whose translation differs, or that are
 * counted (runs of at most maxPages) on one side only.
 */
function diffRuns(before: readonly Run[], after: readonly Run[], maxPages: number, change: PageChange): void {
  const lost: number[] = [];
  let i = 0;
  let j = 0;
  let x = -Infinity;
  while (i < before.length || j < after.length) {
    const rb = i < before.length ? before[i] : undefined;
    const ra = j < after.length ? after[j] : undefined;
    if (rb !== undefined && runEnd(rb) <= x) {
      i++;
      continue;
    }
    if (ra !== undefined && runEnd(ra) <= x) {
      j++;
      continue;
    }
    const inB = rb !== undefined && rb.pfn <= x;
    const inA = ra !== undefined && ra.pfn <= x;
    if (!inB && !inA) {
      x = Math.min(rb?.pfn ?? Infinity, ra?.pfn ?? Infinity);
      continue;
    }
    const end = Math.min(inB ? runEnd(rb!) : (rb?.pfn ?? Infinity), inA ? runEnd(ra!) : (ra?.pfn ?? Infinity));
    const cb = inB && runPages(rb!) <= maxPages;
    const ca = inA && runPages(ra!) <= maxPages;
    const offB = inB ? rb!.ppfn - rb!.pfn : 0;
    const offA = inA ? ra!.ppfn - ra!.pfn : 0;
    const same = cb && ca && offA === offB;
    if (ca && !same) change(x + offA, end - x, 1);
    if (cb && !same) lost.push(x + offB, end - x);
    x = end;
  }
  for (let k = 0; k < lost.length; k += 2) change(lost[k], lost[k + 1], -1);
}
