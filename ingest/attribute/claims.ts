// Exact attribution from the 6.12 dma:* events (shared/traces README, "How dma events relate to
// the iommu map/unmap lines"): a dma_map_page / dma_map_sg / dma_alloc follows its map lines
// with the same pid and CPU; dma_unmap_page follows its unmap; dma_unmap_sg and dma_free precede
// theirs. Completion-interrupt unmap pairs may fall in between; other maps never do.
import { type Located } from '../records.js';

const PAGE = 0xfffn;

const MAP_CALLS = new Set(['map_page', 'map_resource', 'map_sg', 'alloc', 'alloc_pages', 'alloc_sgt']);

function pageDown(a: bigint): bigint {
  return a & ~PAGE;
}

function sameContext(a: Located, b: Located): boolean {
  return a.at.pid === b.at.pid && a.at.cpu === b.at.cpu;
}

/** Whether the dma map event accounts for a map line at iova. */
function covers(d: Extract<Located, { kind: 'dma' }>, iova: bigint): boolean {
  if (d.call === 'map_sg' && d.sg && d.sg.dmaAddrs.length) {
    const first = pageDown(d.sg.dmaAddrs[0]);
    const i = d.sg.dmaAddrs.length - 1;
    const end = d.sg.dmaAddrs[i] + d.sg.sizes[i];
    // a truncated list ends early: the map lines continue beyond it
    return iova >= first && (d.sg.truncated || iova < end);
  }
  if (d.dmaAddr === null) return false;
  const first = pageDown(d.dmaAddr);
  const len = d.size ?? 1n;
  return iova >= first && iova < d.dmaAddr + (len > 0n ? len : 1n);
}

/** The device whose DMA-API call the map at window[i] belongs to, or null. */
export function claimMap(window: readonly Located[], i: number, lookahead: number): string | null {
  const m = window[i];
  if (m.kind !== 'map') return null;
  for (let j = i + 1; j < window.length && j <= i + lookahead; j++) {
    const r = window[j];
    if (!sameContext(r, m) || r.kind !== 'dma' || !MAP_CALLS.has(r.call)) continue;
    return covers(r, m.iova) ? r.device : null;
  }
  return null;
}

/** The device of the dma_unmap_page / dma_unmap_resource that follows the unmap at window[i]. */
export function claimUnmapAfter(window: readonly Located[], i: number, lookahead: number): string | null {
  const u = window[i];
  if (u.kind !== 'unmap') return null;
  for (let j = i + 1; j < window.length && j <= i + lookahead; j++) {
    const r = window[j];
    if (!sameContext(r, u) || r.kind !== 'dma') continue;
    if (r.call === 'unmap_page' || r.call === 'unmap_resource') return r.dmaAddr !== null && pageDown(r.dmaAddr) === u.iova ? r.device : null;
    if (r.call === 'unmap_sg' || r.call === 'free' || r.call === 'free_pages') return null;
  }
  return null;
}
