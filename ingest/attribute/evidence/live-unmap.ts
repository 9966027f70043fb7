// The unmap of a live mapping: only a domain where the whole range is live can take it
// (iommu_unmap of a hole unmaps nothing), and the mapping it removes is as surely in that domain
// as its map was placed there. Where several domains hold the range (every domain's allocator
// hands out the same top IOVAs), the newest mapping there is the likelier one: a long-lived
// mapping (a ring) is rarely unmapped.
import { type BookDomain } from '../book.js';
import { type Ballot } from '../combine.js';
import { type Placement } from '../live-index.js';
import { type Scene, type UnmapQuery } from './scene.js';

export interface Holder {
  readonly domain: BookDomain;
  /** the placements holding the range, in IOVA order */
  readonly by: readonly Placement[];
  /** how sure the least sure of them is */
  readonly conf: number;
}

/** The domains where the unmap's whole range is live. */
export function holders(s: Scene, pfn: number, pages: number): Holder[] {
  const out: Holder[] = [];
  for (const d of s.book.candidates()) {
    const by = s.live.holders(d.id, pfn, pages);
    if (by) out.push({ domain: d, by, conf: Math.min(...by.map((p) => p.conf)) });
  }
  return out;
}

export function weighLive(q: UnmapQuery, hs: readonly Holder[], b: Ballot): void {
  let newest: Holder | null = null;
  for (const h of hs) {
    b.add('live-unmap', h.domain.id, Math.log(Math.max(h.conf, 1e-3)));
    if (!newest || h.by[0].order > newest.by[0].order) newest = h;
  }
  if (newest && hs.length > 1) b.add('live-unmap', newest.domain.id, Math.log(q.s.w.newest));
}
