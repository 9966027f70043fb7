// Which domains a map or unmap can belong to, read from the page-table state the import has
// built so far: a map never lands on pages live in its domain, an unmap takes pages that are live.
import { livePages, pfnOf, pagesOf, type State } from '../../reducers/index.js';

export function liveIn(s: State, domain: number, iova: bigint, size: bigint): number {
  const pt = s.pageTables.domains.get(domain);
  if (!pt || size === 0n) return 0;
  const a = pfnOf(iova);
  return livePages(pt.runs, a, a + pagesOf(size));
}

export function isFree(s: State, domain: number, iova: bigint, size: bigint): boolean {
  return liveIn(s, domain, iova, size) === 0;
}

export function isFullyLive(s: State, domain: number, iova: bigint, size: bigint): boolean {
  return size > 0n && liveIn(s, domain, iova, size) === pagesOf(size);
}

/** seq of the run that starts exactly at iova, if any (the latest map there) */
export function runStartSeq(s: State, domain: number, iova: bigint): number | null {
  const pt = s.pageTables.domains.get(domain);
  const r = pt?.runs.get(pfnOf(iova));
  return r ? r.seq : null;
}
