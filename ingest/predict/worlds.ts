// The hypotheses a lazy domain's mirror keeps about what the trace does not show: when its
// flush-queue timer fired and on which CPU. Each world is a what-if copy of the allocator and the
// flush queue (shadow-iova.ts, shadow-fq.ts) with the firings it assumed since the log's start
// and its probability. Time passing lets a pending timer fire: the probability the timer model
// gives that gap moves to a child world fired there (gathered over short gaps, so that a child
// costs a firing, not one per trace line). An allocation the trace shows keeps the worlds that
// give its IOVA and drops the others. The mirror predicts with the worlds' weights and commits
// to the journal the firings every world agrees on (commit.ts). A strict domain has one world and
// no timer. The work per trace line is one operation per world, at most MAX_WORLDS of them.
import { type ShadowFq } from './shadow-fq.js';
import { type ShadowIova } from './shadow-iova.js';
import { type TimerModel } from './timer-model.js';

/** the most hypotheses kept per domain */
export const MAX_WORLDS = 64;
/** a world this much less likely than the best is dropped */
const NEGLIGIBLE = 1e-4;

/** A firing: before log step `at`, on `cpu`, of the timer armed at `armed` (trace time). */
export interface Fire {
  readonly at: number;
  readonly cpu: number;
  readonly armed: number;
  /** the CPU that armed it (mod_timer runs the timer there unless it migrates) */
  readonly armedCpu: number;
  /** the gap it was placed in: after the step before `at`, at or before step `at` */
  readonly after: number;
  readonly before: number;
}

/** where a world spawned by Beam.advance fires, made only if the world outlives the prune */
interface Birth {
  readonly at: number;
  readonly cpu: number;
  readonly after: number;
  readonly before: number;
}

export class World {
  /** set while the world is a spawned child still sharing its parent's state (Beam.advance) */
  birth: Birth | null = null;

  constructor(
    public iova: ShadowIova,
    public fq: ShadowFq | null,
    public w: number,
    public fires: Fire[],
    /** probability gathered for a firing not yet made a world, and since when */
    public pending = 0,
    public pendingFrom: number | null = null,
  ) {}

  /** The child the parent's state will become once it is known to survive: nothing copied yet. */
  unborn(w: number, birth: Birth): World {
    const c = new World(this.iova, this.fq, w, this.fires);
    c.birth = birth;
    return c;
  }

  /** The spawned child takes a copy of its parent's state and fires as its birth says. */
  born(): void {
    const b = this.birth!;
    this.birth = null;
    this.iova = this.iova.fork();
    this.fq = this.fq!.fork();
    this.fires = this.fires.slice();
    this.fire(b.at, b.cpu, b.after, b.before);
  }

  fire(at: number, cpu: number, after: number, before: number): void {
    const t = this.fq!.timer!;
    this.fires.push({ at, cpu, armed: t.at, armedCpu: t.cpu, after, before });
    this.fq!.fire(this.iova, cpu);
  }
}

/** Where a pending timer fires: the CPU that armed it, with the probability the mirror learned, else another. */
export interface CpuOdds {
  sameCpu(): number;
}

export class Beam {
  worlds: World[];
  /** trace time the worlds have been carried to */
  private now: number | null = null;

  constructor(
    root: World,
    private readonly cpus: number,
    private readonly timer: TimerModel,
    private readonly odds: CpuOdds,
  ) {
    this.worlds = [root];
  }

  get lazy(): boolean {
    return this.worlds[0].fq !== null;
  }

  /** the most probable world */
  get best(): World {
    let b = this.worlds[0];
    for (const x of this.worlds) if (x.w > b.w) b = x;
    return b;
  }

  /**
   * Carries the worlds to `ts`, just before log step `at`: a pending timer may have fired in the
   * gap. `final`: the timer could have run just before this step (an allocation, or the first
   * unmap of a burst), so probability gathered so far becomes a world firing here; inside one
   * interrupt handler's burst of unmaps the timer softirq cannot run, so what a gap there
   * gathers fires after the burst.
   */
  advance(ts: number | null, at: number, final: boolean): void {
    if (!this.lazy || ts === null) return;
    const from = this.now ?? ts;
    if (ts < from) return;
    this.now = ts;
    const born: World[] = [];
    for (const x of this.worlds) {
      const t = x.fq!.timer;
      if (t === null) continue;
      const h = this.timer.hazard(t.at, Math.max(from, t.at), ts);
      if (h > 0) {
        x.pending += x.w * h;
        x.pendingFrom ??= from;
        x.w *= 1 - h;
      }
      if (x.pending > 0 && final) born.push(...this.spawn(x, at, ts));
    }
    if (born.length) {
      this.worlds.push(...born);
      // the prune reads only weights: a child it drops is never copied nor fired
      this.prune();
      for (const x of this.worlds) if (x.birth !== null) x.born();
    }
  }

  /** The firing gathered in x becomes worlds: fired just before step `at`, on each CPU by its odds. */
  private spawn(x: World, at: number, ts: number): World[] {
    const mass = x.pending;
    const after = x.pendingFrom ?? ts;
    x.pending = 0;
    x.pendingFrom = null;
    const arming = x.fq!.timer!.cpu;
    const same = this.cpus > 1 ? this.odds.sameCpu() : 1;
    const out: World[] = [];
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const p = cpu === arming ? same : (1 - same) / (this.cpus - 1);
      if (mass * p <= 0) continue;
      out.push(x.unborn(mass * p, { at, cpu, after, before: ts }));
    }
    return out;
  }

  /** keeps the MAX_WORLDS most probable, none negligible, weights scaled to a best of 1 */
  prune(): void {
    let top = 0;
    for (const x of this.worlds) top = Math.max(top, x.w + x.pending);
    if (top <= 0) return;
    let kept = this.worlds.filter((x) => x.w + x.pending >= top * NEGLIGIBLE);
    if (kept.length > MAX_WORLDS) kept = kept.sort((a, b) => b.w + b.pending - (a.w + a.pending)).slice(0, MAX_WORLDS);
    for (const x of kept) {
      x.w /= top;
      x.pending /= top;
    }
    this.worlds = kept;
  }

  /** After an observation: the worlds that agree with it, with their new weights (none: unchanged, the caller decides). */
  keep(survivors: World[]): void {
    if (survivors.length === 0) return;
    this.worlds = survivors;
    this.prune();
  }

  /**
   * How many log steps every world agrees on: the firings before that point are the same in
   * all (place and CPU). Steps before it can be committed.
   */
  agreed(logLength: number): number {
    const ref = this.best.fires;
    let p = logLength;
    for (const x of this.worlds) {
      const f = x.fires;
      let i = 0;
      while (i < f.length && i < ref.length && f[i].at === ref[i].at && f[i].cpu === ref[i].cpu) i++;
      if (i < f.length) p = Math.min(p, f[i].at);
      if (i < ref.length) p = Math.min(p, ref[i].at);
    }
    return p;
  }

  /** The first `n` log steps were committed with the firings before step `until`: those leave the worlds' lists. */
  shift(n: number, until = n): void {
    if (n === 0 && until === 0) return;
    for (const x of this.worlds) x.fires = x.fires.filter((f) => f.at >= until).map((f) => ({ ...f, at: f.at - n }));
  }
}
