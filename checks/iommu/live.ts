// The page-table view the IOMMU-level checks judge by: the live leaf runs of a domain before the
// event, as the pageTables reducer keeps them.
import { pagesOf, pfnOf, type Run, runEnd } from '../../reducers/index.js';
import { type ShadowState } from '../shadow.js';

/** The live runs of `domain` under [iova, iova+size), in the state before event `at`. */
export function liveRuns(s: ShadowState, domain: number, iova: bigint, size: bigint, at: object): Run[] {
  const a = pfnOf(iova);
  return runsOver(s, domain, a, a + Math.max(1, pagesOf(size)), at);
}

/** The live runs of `domain` overlapping pfns [a, b), in the state `s` (before or after event `at`). */
export function runsOver(s: ShadowState, domain: number, a: number, b: number, at: object): Run[] {
  // several checks ask about the same range of one event: the answer is looked up before the domain
  const known = s.scratch.liveKnown(at, domain, a, b);
  if (known !== null) return known;
  const pt = s.pageTables.domains.get(domain);
  if (pt === undefined || pt.runs.size === 0) return NONE;
  return s.scratch.live(at, domain, pt.runs, a, b);
}

const NONE: Run[] = [];

/** 4 KiB pages of [iova, iova+size) the runs cover */
export function coveredPages(runs: readonly Run[], iova: bigint, size: bigint): number {
  const a = pfnOf(iova);
  const b = a + pagesOf(size);
  let n = 0;
  for (const r of runs) n += Math.min(b, runEnd(r)) - Math.max(a, r.pfn);
  return n;
}

export function hexb(v: bigint | number): string {
  return '0x' + v.toString(16);
}

export function pageAddr(pfn: number): bigint {
  return BigInt(pfn) << 12n;
}

/** "domain 3 (DMA, 0000:00:04.0)" */
export function domainName(s: ShadowState, id: number): string {
  const d = s.topology.domains[id];
  if (d === undefined) return `domain ${id}`;
  return `domain ${id} (${d.type}${d.devices.length ? ', ' + d.devices.join(' ') : ''})`;
}
