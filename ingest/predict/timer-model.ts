// When does a flush-queue timer fire? dma-iommu arms it with mod_timer(jiffies +
// msecs_to_jiffies(IOVA_FQ_TIMEOUT)): about 10 ms after the first queued IOVA, give or take the
// jiffy rounding and the timer wheel's granularity, later by whatever delays the timer softirq
// (a lot under emulation). The trace never shows it; the allocations do: one that took an IOVA
// only a firing could free says the timer fired between two trace lines, one that took an IOVA
// a firing would have made another says it had not fired yet. The model is the distribution of
// the delay those observations agree with: a histogram fitted to the last KEEP intervals by the
// self-consistency (EM) iteration for interval-censored times (Turnbull), with a prior around
// IOVA_FQ_TIMEOUT worth a few observations, refitted every REFIT observations.
export const IOVA_FQ_TIMEOUT_NS = 10_000_000;

/** histogram bins: 0.1 ms up to 50 ms, then one bin for the rest */
const BIN_NS = 100_000;
const BINS = 500;
/** the prior: IOVA_FQ_TIMEOUT, and ± 2 ms around it (jiffy rounding at HZ ≥ 250), this many observations' worth */
const PRIOR_NS = 2_000_000;
const PRIOR_WEIGHT = 4;
/** and a floor everywhere, so that no delay is ever impossible */
const FLOOR_WEIGHT = 0.5;
/** however many observations: this share of the probability is spread over every delay */
const ANY_SHARE = 0.02;
/** the smoothing kernel's half-width, in bins */
const SMOOTH_BINS = 3;
/** the delay of a timer the trace saw fire no later than this is believed from the data alone */
const MAX_TAIL_NS = BINS * BIN_NS;
/** intervals kept, refit period, EM iterations per refit */
const KEEP = 512;
const REFIT = 16;
const ITERATIONS = 12;

export class TimerModel {
  /** the prior's mass per bin (the last bin: delays beyond MAX_TAIL_NS) */
  private readonly prior = new Float64Array(BINS + 1);
  /** the fitted density per bin */
  private mass = new Float64Array(BINS + 1);
  /** survival at each bin's start, rebuilt when dirty */
  private readonly surv = new Float64Array(BINS + 2);
  /** the observed intervals as bin ranges [b0, b1], oldest first */
  private readonly obs: { b0: number; b1: number }[] = [];
  private sinceFit = 0;
  private dirty = true;
  observations = 0;

  constructor() {
    const lo = Math.floor((IOVA_FQ_TIMEOUT_NS - PRIOR_NS) / BIN_NS);
    const hi = Math.ceil((IOVA_FQ_TIMEOUT_NS + PRIOR_NS) / BIN_NS);
    // half of it on the delay mod_timer asks for, half spread around it
    for (let b = lo; b < hi; b++) this.prior[b] += PRIOR_WEIGHT / 2 / (hi - lo);
    this.prior[Math.floor(IOVA_FQ_TIMEOUT_NS / BIN_NS)] += PRIOR_WEIGHT / 2;
    for (let b = 0; b <= BINS; b++) this.prior[b] += FLOOR_WEIGHT / (BINS + 1);
    this.mass = this.prior.slice();
  }

  /** Turnbull's self-consistency iteration from the current fit: each interval spreads one observation over its bins as the density says. */
  private fit(): void {
    const n = BINS + 1;
    let p = this.mass;
    const pre = new Float64Array(n + 1);
    const add = new Float64Array(n + 1);
    for (let it = 0; it < ITERATIONS; it++) {
      for (let b = 0; b < n; b++) pre[b + 1] = pre[b] + p[b];
      add.fill(0);
      for (const o of this.obs) {
        const s = pre[o.b1 + 1] - pre[o.b0];
        if (s <= 0) continue;
        add[o.b0] += 1 / s;
        add[o.b1 + 1] -= 1 / s;
      }
      const next = new Float64Array(n);
      let w = 0;
      for (let b = 0; b < n; b++) {
        w += add[b];
        next[b] = p[b] * w;
      }
      // the delay jitters continuously (jiffy phase, softirq latency): the estimate is smoothed
      // over a few bins, or it collapses onto the few points the intervals happen to share
      p = smooth(next);
      for (let b = 0; b < n; b++) p[b] += this.prior[b];
    }
    this.mass = p;
    this.sinceFit = 0;
  }

  private rebuild(): void {
    if (this.sinceFit > 0) this.fit();
    let total = 0;
    for (let b = 0; b <= BINS; b++) total += this.mass[b];
    let s = 1;
    for (let b = 0; b <= BINS; b++) {
      this.surv[b] = s;
      s -= (1 - ANY_SHARE) * (this.mass[b] / total) + ANY_SHARE / (BINS + 1);
    }
    this.surv[BINS + 1] = 0;
    this.dirty = false;
  }

  /** P(delay > d) */
  survival(d: number): number {
    if (this.dirty) this.rebuild();
    if (d <= 0) return 1;
    if (d >= MAX_TAIL_NS) {
      // the tail bin decays over another MAX_TAIL_NS
      const f = Math.min((d - MAX_TAIL_NS) / MAX_TAIL_NS, 1);
      return this.surv[BINS] * (1 - f);
    }
    const b = Math.floor(d / BIN_NS);
    const f = (d - b * BIN_NS) / BIN_NS;
    return this.surv[b] + (this.surv[b + 1] - this.surv[b]) * f;
  }

  /** P(the timer armed at `armed` fires in (from, to] | it had not by `from`) */
  hazard(armed: number, from: number, to: number): number {
    if (to <= from) return 0;
    const s0 = this.survival(from - armed);
    if (s0 <= 0) return 1;
    return Math.min(1, Math.max(0, (s0 - this.survival(to - armed)) / s0));
  }

  /** The timer armed at `armed` fired in (after, before]. */
  firedBetween(armed: number, after: number, before: number): void {
    this.add(Math.max(after - armed, 0), Math.max(before - armed, 0));
  }

  /** The timer armed at `armed` had not fired by `ts`. */
  notFiredBy(armed: number, ts: number): void {
    this.add(Math.max(ts - armed, 0), Infinity);
  }

  /** one observation in (lo, hi]; the fit follows every REFIT of them */
  private add(lo: number, hi: number): void {
    const b0 = Math.min(Math.floor(lo / BIN_NS), BINS);
    const b1 = hi === Infinity ? BINS : Math.min(Math.floor(Math.max(hi - 1, lo) / BIN_NS), BINS);
    this.obs.push({ b0, b1 });
    if (this.obs.length > KEEP) this.obs.shift();
    this.observations++;
    if (++this.sinceFit >= REFIT || this.observations <= REFIT) this.dirty = true;
  }

  /** the median delay */
  get median(): number {
    let lo = 0;
    let hi = MAX_TAIL_NS;
    while (hi - lo > 1000) {
      const m = (lo + hi) / 2;
      if (this.survival(m) > 0.5) lo = m;
      else hi = m;
    }
    return Math.round(lo);
  }

  describe(): string {
    return `flush-queue timer delay: median ${(this.median / 1e6).toFixed(2)} ms (${this.observations} observations)`;
  }
}

/** a triangular kernel over ±SMOOTH_BINS bins (mass kept; the tail bin stays apart) */
function smooth(p: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const n = p.length;
  const out = new Float64Array(n);
  out[n - 1] = p[n - 1];
  for (let b = 0; b < n - 1; b++) {
    if (p[b] === 0) continue;
    let norm = 0;
    for (let d = -SMOOTH_BINS; d <= SMOOTH_BINS; d++) if (b + d >= 0 && b + d < n - 1) norm += SMOOTH_BINS + 1 - Math.abs(d);
    for (let d = -SMOOTH_BINS; d <= SMOOTH_BINS; d++) if (b + d >= 0 && b + d < n - 1) out[b + d] += (p[b] * (SMOOTH_BINS + 1 - Math.abs(d))) / norm;
  }
  return out;
}
