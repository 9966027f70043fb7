// Lazy or strict, from when IOVAs come back.
//
// dma-iommu.c (6.1, 6.12) __iommu_dma_unmap: a strict domain frees the IOVA at once
// (iommu_dma_free_iova -> free_iova_fast into this CPU's rcache, which alloc_iova_fast pops last
// in, first out), so the next allocation of the same size class on that CPU, in that domain,
// gets the IOVA just unmapped. A lazy (DMA-FQ) domain queues it instead (queue_iova); it goes
// back only after the IOTLB flush: when the flush-queue timer fires (IOVA_FQ_TIMEOUT = 10 ms
// after it was armed) or when the queue is full, and then the entry just queued is not among
// those freed (it is added after the flush). So within 1 ms the IOVA just unmapped comes back
// only if the timer happened to fire in that millisecond.
//
// The test pairs each unmap with the next map on the same CPU when it comes within 1 ms and
// asks for the same size class (iova.c alloc_iova_fast rounds sizes below 32 pages up to a
// power of two). A pair "reuses" when the map takes the unmapped IOVA. Each pair weighs for
// strict or lazy by a likelihood ratio with deliberately loose rates: strict reuses at least half
// the time (another domain's allocation on that CPU can come first), lazy at most one time in
// ten (the timer fires within the pair's millisecond). The first PAIRS pairs decide; odds below
// DECIDE_AT leave it undecided.
import { type Located } from '../records.js';
import { type FqMode } from './types.js';

/** pairs the test looks at: the first ones, wherever the trace starts */
export const PAIRS = 50;
/** an unmap and the next map further apart than this say nothing (the flush timer may have fired) */
export const PAIR_WINDOW_NS = 1_000_000;
/** least reuse rate of a strict kernel the test assumes, and most of a lazy one */
const P_STRICT = 0.5;
const P_LAZY = 0.1;
/** odds (as a natural log) from which the test decides: 1000 to 1 */
export const DECIDE_AT = Math.log(1000);

const REUSE = Math.log(P_STRICT / P_LAZY);
const NO_REUSE = Math.log((1 - P_STRICT) / (1 - P_LAZY));

export interface ReuseVerdict {
  readonly pairs: number;
  readonly reused: number;
  /** log of the odds strict : lazy (positive: strict) */
  readonly llr: number;
  readonly mode: FqMode | null;
}

/** iova.c (6.1, 6.12) alloc_iova_fast: below 32 pages, a size is rounded up to a power of two */
function sizeClass(size: bigint): number {
  const pages = Number((size + 0xfffn) >> 12n);
  if (pages > 32) return pages;
  let c = 1;
  while (c < pages) c <<= 1;
  return c;
}

export class ReuseTest {
  private readonly lastUnmap = new Map<number, { iova: bigint; cls: number; ts: number }>();
  private pairs = 0;
  private reused = 0;

  /** true once the first PAIRS pairs are in */
  get done(): boolean {
    return this.pairs >= PAIRS;
  }

  push(r: Located): void {
    if (this.done) return;
    if (r.kind === 'unmap') {
      this.lastUnmap.set(r.at.cpu, { iova: r.iova, cls: sizeClass(r.size), ts: r.at.ts });
      return;
    }
    // an identity map (direct region) is not an allocation
    if (r.kind !== 'map' || r.iova === r.paddr) return;
    const u = this.lastUnmap.get(r.at.cpu);
    if (u === undefined) return;
    this.lastUnmap.delete(r.at.cpu);
    if (u.cls !== sizeClass(r.size) || r.at.ts - u.ts >= PAIR_WINDOW_NS || r.at.ts < u.ts) return;
    this.pairs++;
    if (r.iova === u.iova) this.reused++;
  }

  verdict(): ReuseVerdict {
    const llr = this.reused * REUSE + (this.pairs - this.reused) * NO_REUSE;
    const mode = llr >= DECIDE_AT ? 'strict' : llr <= -DECIDE_AT ? 'lazy' : null;
    return { pairs: this.pairs, reused: this.reused, llr, mode };
  }
}

/** "odds above 10^20 to 1" */
export function oddsText(llr: number): string {
  const exp = Math.floor(Math.abs(llr) / Math.LN10);
  return exp >= 3 ? `odds above 10^${exp} to 1` : `odds ${Math.round(Math.exp(Math.abs(llr)))} to 1`;
}

export function describeReuse(v: ReuseVerdict): string {
  const what = `${v.reused} of ${v.pairs} unmap→map pairs (same CPU, same size, within 1 ms) got the IOVA just unmapped`;
  if (v.pairs === 0) return 'no unmap was followed within 1 ms by a map of its size on its CPU';
  if (v.mode === null) return `${what}: too few or too mixed to tell (${oddsText(v.llr)} for ${v.llr >= 0 ? 'strict' : 'lazy'})`;
  return `${what} (${oddsText(v.llr)})`;
}
