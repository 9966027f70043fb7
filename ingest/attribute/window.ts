// The lookahead window: records are decided in trace order when they reach the head, with at
// most LOOKAHEAD later records read. A map looks ahead for the rest of its multi-run mapping and,
// on 6.12, for the dma:* event that follows it; nothing needs the whole trace in memory.
import { type Located } from '../records.js';

export const LOOKAHEAD = 2048;
/** longest pause inside one multi-run map (sg list, coherent buffer) seen as one operation */
export const RUN_GAP_NS = 1_000_000;

export type MapRecord = Located<Extract<Located, { kind: 'map' }>>;
export type UnmapRecord = Located<Extract<Located, { kind: 'unmap' }>>;
export type DmaRecord = Located<Extract<Located, { kind: 'dma' }>>;

export function sameContext(a: Located, b: Located): boolean {
  return a.at.pid === b.at.pid && a.at.cpu === b.at.cpu;
}

export class Window {
  private items: Located[] = [];
  private head = 0;

  /** blind: the dma:* records stay in the window (the ground truth reads them) but attribution never does */
  constructor(readonly blind: boolean) {}

  /** Whether attribution may read the record (trace verify --blind hides the dma:* events). */
  visible(r: Located): boolean {
    return !(this.blind && r.kind === 'dma');
  }

  push(r: Located): void {
    this.items.push(r);
  }

  /** records after the head */
  get pending(): number {
    return this.items.length - this.head;
  }

  get headIndex(): number {
    return this.head;
  }

  at(i: number): Located | undefined {
    return this.items[i];
  }

  /** Index past the last record a decision at i may read. */
  limit(i: number): number {
    return Math.min(this.items.length, i + LOOKAHEAD + 1);
  }

  advance(): void {
    this.head++;
    if (this.head > 4096) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The map lines that continue the one at i as one allocation: the same context, back to back
   * (no pause over RUN_GAP_NS), each starting where the previous one ends (iommu_map_sg maps the
   * physically contiguous runs of one list at consecutive IOVAs). Completion unmaps of the same
   * context may fall between them.
   */
  continuation(i: number): { pages: number; gapNs: number | null } {
    const r = this.items[i] as MapRecord;
    let end = r.iova + r.size;
    let phys = r.paddr + r.size;
    let last = r.at.ts;
    let pages = pagesOf(r.size);
    let gapNs: number | null = null;
    const lim = this.limit(i);
    for (let j = i + 1; j < lim; j++) {
      const x = this.items[j];
      if (x.at.ts - last > RUN_GAP_NS) break;
      if (!sameContext(x, r)) continue;
      last = x.at.ts;
      if (x.kind === 'unmap') continue;
      if (x.kind === 'dma') {
        // the dma:* event of a map call ends its operation (6.12); a completion's does not
        if (this.visible(x) && isMapCall(x.call)) break;
        continue;
      }
      // iommu_map_sg merges physically contiguous entries into one map: a line that continues
      // the last one physically is another call
      if (x.kind !== 'map' || x.iova !== end || x.paddr === phys) break;
      gapNs ??= x.at.ts - r.at.ts;
      end += x.size;
      phys = x.paddr + x.size;
      pages += pagesOf(x.size);
    }
    return { pages, gapNs };
  }
}

/**
 * The pages of the first unmap, within the window, that starts where the map line at i does: a
 * multi-run map unmapped as one range was one allocation (dma_map_sg), runs unmapped one by one
 * were separate calls. The lines are matched by their IOVAs being equal; the value itself says
 * nothing about the request.
 */
export function unmapExtent(w: Window, i: number): number | null {
  const r = w.at(i) as MapRecord;
  const lim = w.limit(i);
  for (let j = i + 1; j < lim; j++) {
    const x = w.at(j)!;
    if (x.kind === 'unmap' && x.iova === r.iova) return pagesOf(x.size);
  }
  return null;
}

export function isMapCall(call: string): boolean {
  return call === 'map_page' || call === 'map_resource' || call === 'map_sg' || call === 'alloc' || call === 'alloc_pages' || call === 'alloc_sgt';
}

export function pagesOf(size: bigint): number {
  return Number((size + 0xfffn) >> 12n);
}
