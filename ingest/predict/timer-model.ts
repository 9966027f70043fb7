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

  /** the delay inside the most bounds (the smallest such: the timer is due as soon as most say it fired) */
  private refit(): void {
    this.dirty = false;
    const edges: [number, number][] = [];
    for (const b of this.bounds) {
      edges.push([b.lo, 1]);
      if (b.hi !== Infinity) edges.push([b.hi, -1]);
    }
    // a bound (lo, hi] holds delays just above lo up to hi: enter at lo (exclusive), leave after hi
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inside = 0;
    let bestCount = -1;
    for (let i = 0; i < edges.length; i++) {
      inside += edges[i][1];
      const at = edges[i][0];
      if (edges[i][1] === 1 && (i + 1 === edges.length || edges[i + 1][0] > at) && inside > bestCount) {
        bestCount = inside;
        this.best = at + 1;
      }
    }
  }

  describe(): string {
    return `flush-queue timer delay ≈ ${(this.estimate / 1e6).toFixed(2)} ms (${this.observations} observations)`;
  }
}
