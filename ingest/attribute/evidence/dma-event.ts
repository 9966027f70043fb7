// Evidence from the 6.12 dma:* events, which name the device (shared/traces README, "How dma
// events relate to the iommu map/unmap lines"): a dma_map_page / dma_map_sg / dma_alloc follows
// its map lines with the same pid and CPU; dma_unmap_page follows its unmap; dma_unmap_sg and
// dma_free precede theirs. Completion-interrupt unmap pairs may fall in between; other maps never
// do. trace verify --blind hides these events from attribution and scores against them
// (ground-truth.ts reads them through the same claims).
import { type Located } from '../../records.js';
import { type DmaRecord, isMapCall, sameContext, type Window } from '../window.js';

const PAGE = 0xfffn;

function pageDown(a: bigint): bigint {
  return a & ~PAGE;
}

/** Whether the dma map event accounts for a map line at iova. */
function covers(d: DmaRecord, iova: bigint): boolean {
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

/** The DMA-API call the map line at i belongs to: the next map call of its context, if it accounts for the line. */
export function mapCall(w: Window, i: number): DmaRecord | null {
  const m = w.at(i)!;
  if (m.kind !== 'map') return null;
  const lim = w.limit(i);
  for (let j = i + 1; j < lim; j++) {
    const r = w.at(j)!;
    if (!sameContext(r, m) || r.kind !== 'dma' || !isMapCall(r.call)) continue;
    return covers(r, m.iova) ? r : null;
  }
  return null;
}

/** The dma_unmap_page / dma_unmap_resource that follows the unmap at i, naming its device. */
function unmapCallAfter(w: Window, i: number): DmaRecord | null {
  const u = w.at(i)!;
  if (u.kind !== 'unmap') return null;
  const lim = w.limit(i);
  for (let j = i + 1; j < lim; j++) {
    const r = w.at(j)!;
    if (!sameContext(r, u) || r.kind !== 'dma') continue;
    if (r.call === 'unmap_page' || r.call === 'unmap_resource') return r.dmaAddr !== null && pageDown(r.dmaAddr) === u.iova ? r : null;
    if (r.call === 'unmap_sg' || r.call === 'free' || r.call === 'free_pages') return null;
  }
  return null;
}

/** The devices the dma:* events name for map and unmap lines, read in trace order. */
export class DmaClaims {
  /** dma_unmap_sg / dma_free seen: the next unmap of that context belongs to this device */
  private readonly expectUnmap = new Map<string, string>();

  /** A dma record reached the head. */
  observe(r: Located): void {
    if (r.kind !== 'dma') return;
    if (r.call === 'unmap_sg' || r.call === 'free' || r.call === 'free_pages' || r.call === 'free_sgt') this.expectUnmap.set(ctx(r), r.device);
  }

  mapDevice(w: Window, i: number): string | null {
    return mapCall(w, i)?.device ?? null;
  }

  /** The device of the unmap line at i (call once per unmap line, at the head). */
  unmapDevice(w: Window, i: number): string | null {
    const r = w.at(i)!;
    const key = ctx(r);
    const before = this.expectUnmap.get(key);
    if (before) {
      this.expectUnmap.delete(key);
      return before;
    }
    return unmapCallAfter(w, i)?.device ?? null;
  }
}

function ctx(r: Located): string {
  return `${r.at.pid}/${r.at.cpu}`;
}
