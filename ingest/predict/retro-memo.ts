// What retro.ts worked out at one allocation, kept for the next. A lazy domain that the trace
// takes off its hypotheses calls retroFire at allocation after allocation, each time on the same
// log a few steps longer: replaying the whole kept window from the committed copy (48 to 96
// steps), then every recent place on every CPU to the end, was ~1.2 M step replays on the heavy
// capture's first 300,000 lines, and 11 % of the import. The replays are deterministic in the
// committed copy, the log, the most probable world's firings and (for a step that dropped
// phantoms) the live set, so the copies stay valid as long as those do: the next call replays
// only the steps logged since. The memo is dropped when the firings differ from those it was made
// with, when a commit runs other firings into the committed copy than it took, when a commit
// passes its copies, and never made while the log holds a step that dropped phantoms (that step
// reads the live set, which moves between calls).
import { type Copy, type LogStep } from './commit.js';
import { type ArmedTimer } from './shadow-fq.js';
import { type Fire } from './worlds.js';

/** a firing at an absolute step index (steps committed before the log's first, plus its index) */
interface AbsFire {
  readonly at: number;
  readonly cpu: number;
}

/** one CPU's run from a place: the copy with the timer fired there, replayed up to step `upTo` */
export interface PlaceRun {
  /** null: a later allocation did not come out as the trace showed */
  copy: Copy | null;
  upTo: number;
}

/** the copy at a place, before the firing (timer null: nothing pending, no firing there) */
export interface Place {
  readonly timer: ArmedTimer | null;
  readonly snap: Copy | null;
  readonly runs: PlaceRun[];
}

export class RetroMemo {
  /** absolute index of the log's first step: the steps committed so far */
  offset = 0;
  /** firings at absolute steps before this are in the committed copy */
  private committedUntil = 0;
  /** the firings the copies were made with; null: nothing kept */
  private fires: AbsFire[] | null = null;
  /** the replay of the known history: its copy at absolute step `at`, the firings there taken (copy null: step `at` did not come out) */
  head: { at: number; copy: Copy | null } | null = null;
  /** per absolute step index */
  readonly places = new Map<number, Place>();

  /** Keeps what is kept if it was made with `fires` (relative to the log) on `steps`, else forgets it. */
  begin(steps: readonly LogStep[], fires: readonly Fire[]): void {
    if (steps.some((s) => s.kind === 'alloc' && s.phantoms)) {
      this.forget();
      return;
    }
    const abs = fires.map((f) => ({ at: f.at + this.offset, cpu: f.cpu }));
    if (this.fires === null || !sameFires(this.fires.filter((f) => f.at >= this.committedUntil), abs)) {
      this.forget();
      this.fires = abs;
    }
  }

  /** whether begin kept the memo usable (false: the log holds a phantoms step, compute without it) */
  get usable(): boolean {
    return this.fires !== null;
  }

  forget(): void {
    this.fires = null;
    this.head = null;
    this.places.clear();
  }

  /**
   * The domain commits its first n steps with `fires` (relative, before the shift) taken before
   * `until`: the copies stay valid if they took the same firings there and lie at or after the
   * new first step.
   */
  committed(n: number, until: number, fires: readonly Fire[]): void {
    const from = this.offset;
    this.offset += n;
    const was = this.committedUntil;
    this.committedUntil = from + until;
    if (this.fires === null) return;
    const taken = fires.filter((f) => f.at < until).map((f) => ({ at: f.at + from, cpu: f.cpu }));
    const mine = this.fires.filter((f) => f.at >= was && f.at < this.committedUntil);
    if (!sameFires(mine, taken) || this.head === null || this.head.at < this.offset) {
      this.forget();
      return;
    }
    for (const at of this.places.keys()) if (at < this.offset) this.places.delete(at);
  }

  /** places below absolute step `lowest` are never tried again (places only move up the log) */
  prune(lowest: number): void {
    for (const at of this.places.keys()) if (at < lowest) this.places.delete(at);
  }
}

function sameFires(a: readonly AbsFire[], b: readonly AbsFire[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].at !== b[i].at || a[i].cpu !== b[i].cpu) return false;
  return true;
}
