// When does a flush-queue timer fire? dma-iommu arms it with mod_timer(jiffies +
// msecs_to_jiffies(IOVA_FQ_TIMEOUT)): at least 10 ms after the first queued IOVA, later by up to a
// tick and by whatever delays the timer softirq (a lot under emulation). The model learns the
// delay from the trace itself: every lazy allocation that reveals whether the timer had fired
// bounds it, and predictions use the median of what was learned.
export const IOVA_FQ_TIMEOUT_NS = 10_000_000;

export class DelayModel {
  private readonly delays: number[] = [];
  observations = 0;

  /** the delay predictions assume now */
  get estimate(): number {
    if (this.delays.length === 0) return IOVA_FQ_TIMEOUT_NS;
    const s = [...this.delays].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  }

  /** The timer armed at `armed` fired somewhere in (after, before]. */
  firedBetween(armed: number, after: number, before: number): void {
    const lo = Math.max(after - armed, IOVA_FQ_TIMEOUT_NS);
    const hi = Math.max(before - armed, lo);
    this.delays.push((lo + hi) / 2);
    if (this.delays.length > 512) this.delays.shift();
    this.observations++;
  }

  describe(): string {
    return `flush-queue timer delay ≈ ${(this.estimate / 1e6).toFixed(2)} ms (${this.observations} observations)`;
  }
}
