// What an event changes in a domain's translations, as runs: the page-table events name an IOVA
// range, the pageTables reducer replaces the runs overlapping it (splitting those that stick out),
// so the runs overlapping that range before the event and the runs over the same extent after it
// differ exactly where the translations changed.
import { type IommuEvent } from '../../domain-events/index.js';
import { overlapping, pagesOf, pfnOf, type Run, runEnd } from '../../reducers/index.js';
import { type ShadowState } from '../shadow.js';

/** The IOVA pfns [a, b) whose runs the pageTables reducer rewrites for the event, or null if none. */
export function rewrittenRange(e: IommuEvent): readonly [number, number] | null {
  switch (e.type) {
    case 'Mapped':
    case 'MapFailed': {
      // the leaves written (MapFailed: those written before the error), else iommu_map's split
      if (e.leaves) return e.leaves.length ? leafSpan(e.leaves) : null;
      if (e.type === 'MapFailed') return null;
      const a = pfnOf(e.iova);
      return [a, a + pagesOf(e.size)];
    }
    case 'Unmapped': {
      const pages = pagesOf(e.unmappedSize);
      if (pages === 0) return null;
      const a = pfnOf(e.iova);
      return [a, a + pages];
    }
    case 'PgtableTableFreed': {
      // a freed table takes every leaf below it
      const a = pfnOf(e.iova);
      return [a, a + pagesOf(e.size)];
    }
    default:
      return null;
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

/** The runs an event may rewrite, taken before it is applied. */
export interface Rewrite {
  readonly domain: number;
  readonly before: readonly Run[];
  /** the extent of the range and the runs before: every run after the event that differs lies in it */
  readonly lo: number;
  readonly hi: number;
}

export function rewriteOf(s: ShadowState, domain: number, a: number, b: number): Rewrite | null {
  const pt = s.pageTables.domains.get(domain);
  const before = pt === undefined || pt.runs.size === 0 ? NONE : overlapping(pt.runs, a, b);
  if (before.length === 0 && a >= b) return null;
  const lo = before.length ? Math.min(a, before[0].pfn) : a;
  const hi = before.length ? Math.max(b, runEnd(before[before.length - 1])) : b;
  return { domain, before, lo, hi };
}

const NONE: Run[] = [];

/** The runs over the rewrite's extent after the event. */
export function runsAfter(s: ShadowState, w: Rewrite): readonly Run[] {
  const pt = s.pageTables.domains.get(w.domain);
  return pt === undefined || pt.runs.size === 0 ? NONE : overlapping(pt.runs, w.lo, w.hi);
}

/**
 * Walks the IOVA pages of two run lists (each sorted, non-overlapping) in segments over which
 * each side is one run or none, and reports the segments whose translation differs, or that
 * `counted` takes on one side only: `gone(ppfn, pages)` for the before side, `came(ppfn, pages)`
 * for the after side.
 */
export function diffRuns(
  before: readonly Run[],
  after: readonly Run[],
  counted: (r: Run) => boolean,
  came: (ppfn: number, pages: number) => void,
  gone: (ppfn: number, pages: number) => void,
): void {
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
    const cb = inB && counted(rb!);
    const ca = inA && counted(ra!);
    const offB = inB ? rb!.ppfn - rb!.pfn : 0;
    const offA = inA ? ra!.ppfn - ra!.pfn : 0;
    const same = cb && ca && offA === offB;
    if (ca && !same) came(x + offA, end - x);
    if (cb && !same) gone(x + offB, end - x);
    x = end;
  }
}
