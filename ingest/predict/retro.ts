// When no kept hypothesis gives the allocation the trace shows, the flush-queue timer most likely
// fired where the model thought it too unlikely to keep a world for it: under emulation its
// softirq runs late or early by milliseconds. The domain keeps its recent steps uncommitted
// (lazy-domain.ts), so the firing can still be placed there: the most probable world's history
// is run again from the committed state with the timer fired at each recent place it could have
// run (before an allocation, or before the first unmap of an interrupt handler's burst) on each
// CPU, and the places whose later allocations all come out as the trace showed, this one
// included, become the worlds. The work is one pass over the recent steps plus, per place and
// CPU, the steps after it: bounded by the number of steps kept.
import { type Copy, type LogStep, replayStep } from './commit.js';
import { type ShadowDevice, type ShadowIova } from './shadow-iova.js';
import { RetroMemo } from './retro-memo.js';
import { type Fire, World } from './worlds.js';

/** the latest places tried */
const PLACES = 12;

export interface Wanted {
  readonly pfn: number;
  readonly sizes: readonly number[];
  readonly masks: readonly number[];
  readonly device: ShadowDevice;
  readonly cpu: number;
  readonly ts: number;
}

export interface Retro {
  readonly world: World;
  readonly iova: ShadowIova;
  readonly pages: number;
  readonly mask: number;
  readonly tried32: boolean;
}

/**
 * The worlds in which the timer pending after `fires` fired at one of the latest places of
 * `steps`, on one of `cpus`, and every later allocation and `want` come out as the trace shows.
 * `memo` keeps the copies for the next call on the same log (retro-memo.ts); the result is the
 * same with a fresh one.
 */
export function retroFire(root: () => Copy, steps: readonly LogStep[], fires: readonly Fire[], cpus: number, want: Wanted, limit: (mask: number) => bigint, weight: number, live: ReadonlySet<number>, memo: RetroMemo = new RetroMemo()): Retro[] {
  const after = fires.length ? fires[fires.length - 1].at : -1;
  const places: number[] = [];
  for (let i = steps.length; i > after && places.length < PLACES; i--) {
    const s = steps[i];
    if (i === steps.length || s.kind === 'alloc' || !s.burst) places.push(i);
  }
  if (places.length === 0) return [];
  memo.begin(steps, fires);
  // a log holding a phantoms step: worked out afresh, nothing kept
  const m = memo.usable ? memo : new RetroMemo();
  const lowest = places[places.length - 1];
  if (!knownHistory(m, root, steps, fires, places, limit, live)) return [];
  const off = m.offset;
  const out: Retro[] = [];
  for (let p = places.length - 1; p >= 0; p--) {
    const i = places[p];
    const place = m.places.get(off + i)!;
    const t = place.timer;
    if (t === null) continue;
    for (let c = 0; c < Math.max(1, cpus); c++) {
      let run = place.runs[c];
      if (run === undefined) {
        const x = { iova: place.snap!.iova.fork(), fq: place.snap!.fq.fork() };
        x.fq.fire(x.iova, c);
        run = place.runs[c] = { copy: x, upTo: off + i };
      }
      const x = run.copy;
      if (x === null) continue;
      let ok = true;
      for (let j = run.upTo - off; j < steps.length && ok; j++) ok = replayStep(x, steps[j], limit, live);
      if (!ok) {
        run.copy = null;
        continue;
      }
      run.upTo = off + steps.length;
      const fire: Fire = { at: i, cpu: c, armed: t.at, armedCpu: t.cpu, after: i > 0 ? steps[i - 1].ts : t.at, before: i < steps.length ? steps[i].ts : want.ts };
      // the world's own copy, one per place and CPU (the memo goes on with x)
      let world: World | null = null;
      for (const pages of want.sizes)
        for (const mask of want.masks) {
          const y = x.iova.fork();
          const r = y.dmaAllocIova(pages, limit(mask), want.device, want.cpu);
          if (r.pfn !== want.pfn) continue;
          world ??= new World(x.iova.fork(), x.fq.fork(), weight, [...fires.filter((g) => g.at < i), fire]);
          out.push({ world, iova: y, pages, mask, tried32: r.tried32 });
        }
    }
  }
  m.prune(off + lowest);
  return out;
}

/**
 * The most probable world's history replayed from the committed copy (or from where the memo's
 * replay got to), its copy kept at each place; false when it does not come out (the model's
 * world was already off: no place then).
 */
function knownHistory(m: RetroMemo, root: () => Copy, steps: readonly LogStep[], fires: readonly Fire[], places: readonly number[], limit: (mask: number) => bigint, live: ReadonlySet<number>): boolean {
  const off = m.offset;
  const lowest = places[places.length - 1];
  // a place below where the memo's replay got to that it has no copy for: start again
  if (m.head !== null && places.some((i) => off + i < m.head!.at && !m.places.has(off + i))) {
    m.forget();
    m.begin(steps, fires);
  }
  // the replay stopped at a step still in the log: it stops there again
  if (m.head !== null && m.head.copy === null) return false;
  let x0: Copy;
  let i: number;
  let f = 0;
  if (m.head === null) {
    x0 = root();
    i = 0;
  } else {
    x0 = m.head.copy!;
    i = m.head.at - off;
    // the firings at i and before are in the copy already
    while (f < fires.length && fires[f].at <= i) f++;
  }
  for (let resumed = m.head !== null; ; i++, resumed = false) {
    if (!resumed) for (; f < fires.length && fires[f].at === i; f++) if (x0.fq.timer !== null) x0.fq.fire(x0.iova, fires[f].cpu);
    if (i >= lowest && !m.places.has(off + i) && places.includes(i)) {
      const timer = x0.fq.timer;
      m.places.set(off + i, { timer, snap: timer !== null ? { iova: x0.iova.fork(), fq: x0.fq.fork() } : null, runs: [] });
    }
    if (i === steps.length) break;
    if (!replayStep(x0, steps[i], limit, live)) {
      m.head = { at: off + i, copy: null };
      return false;
    }
  }
  m.head = { at: off + steps.length, copy: x0 };
  return true;
}
