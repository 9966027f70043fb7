// When does a flush-queue timer fire? dma-iommu arms it with mod_timer(jiffies +
// msecs_to_jiffies(IOVA_FQ_TIMEOUT)): about 10 ms after the first queued IOVA, less by up to a
// tick (jiffies round), later by whatever delays the timer softirq (a lot under emulation). The
// trace never shows it; the allocations do: one that took an IOVA only a firing could free says
// the timer fired between two steps, one that did not says it had not fired yet. The delay
// predictions assume is the one most of those observations agree with.
export const IOVA_FQ_TIMEOUT_NS = 10_000_000;
const KEEP = 512;

interface Bound {
  /** the delay was more than lo */
  readonly lo: number;
  /** and at most hi (Infinity: only a lower bound) */
  readonly hi: number;
}

export class DelayModel {
  private readonly bounds: Bound[] = [];
  private best = IOVA_FQ_TIMEOUT_NS;
  private dirty = false;
  observations = 0;

  /** the delay predictions assume now */
  get estimate(): number {
    if (this.dirty) this.refit();
    return this.best;
  }

  /** The timer armed at `armed` fired somewhere in (after, before]. */
  firedBetween(armed: number, after: number, before: number): void {
    this.add({ lo: Math.max(after - armed, 0), hi: Math.max(before - armed, 0) });
  }

  /** The timer armed at `armed` had not fired by `ts`. */
  notFiredBy(armed: number, ts: number): void {
    this.add({ lo: Math.max(ts - armed, 0), hi: Infinity });
  }

  private add(b: Bound): void {
    this.bounds.push(b);
    if (this.bounds.length > KEEP) this.bounds.shift();
    this.observations++;
    this.dirty = true;
  }

  /**
   * The delay inside the most bounds; among equally good ones, the one nearest IOVA_FQ_TIMEOUT
   * (what mod_timer asked for: only bounds that rule it out move the estimate away from it).
   */
  private refit(): void {
    this.dirty = false;
    // count(d) = bounds with lo < d <= hi = (starts lo+1 <= d) - (ends hi < d): two sorted arrays
    // and a binary search per candidate, O(K log K) instead of O(K²) per refit
    const starts = this.bounds.map((b) => b.lo + 1).sort((a, b) => a - b);
    const ends = this.bounds.filter((b) => b.hi !== Infinity).map((b) => b.hi).sort((a, b) => a - b);
    const count = (d: number) => upperBound(starts, d) - lowerBound(ends, d);
    let best = IOVA_FQ_TIMEOUT_NS;
    let bestCount = count(best);
    const consider = (d: number) => {
      const c = count(d);
      if (c > bestCount || (c === bestCount && nearer(d, best))) {
        best = d;
        bestCount = c;
      }
    };
    // the count only changes just above a lower end or at an upper end
    for (const d of starts) consider(d);
    for (const d of ends) consider(d);
    this.best = best;
  }

  describe(): string {
    return `flush-queue timer delay ≈ ${(this.estimate / 1e6).toFixed(2)} ms (${this.observations} observations)`;
  }
}

/** d is nearer IOVA_FQ_TIMEOUT than e (the smaller of two equally near: the choice never depends on order) */
function nearer(d: number, e: number): boolean {
  const dd = Math.abs(d - IOVA_FQ_TIMEOUT_NS);
  const de = Math.abs(e - IOVA_FQ_TIMEOUT_NS);
  return dd < de || (dd === de && d < e);
}

/** index of the first element > x */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** index of the first element >= x */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}
