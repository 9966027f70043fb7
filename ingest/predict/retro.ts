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
 */
export function retroFire(root: () => Copy, steps: readonly LogStep[], fires: readonly Fire[], cpus: number, want: Wanted, limit: (mask: number) => bigint, weight: number, live: ReadonlySet<number>): Retro[] {
  const after = fires.length ? fires[fires.length - 1].at : -1;
  const places: number[] = [];
  for (let i = steps.length; i > after && places.length < PLACES; i--) {
    const s = steps[i];
    if (i === steps.length || s.kind === 'alloc' || !s.burst) places.push(i);
  }
  if (places.length === 0) return [];
  // one pass: the copy at each place, the known firings taken as they come
  const x0 = root();
  const at = new Map<number, Copy>();
  let f = 0;
  const lowest = places[places.length - 1];
  for (let i = 0; i <= steps.length; i++) {
    for (; f < fires.length && fires[f].at === i; f++) if (x0.fq.timer !== null) x0.fq.fire(x0.iova, fires[f].cpu);
    if (i >= lowest && places.includes(i) && x0.fq.timer !== null) at.set(i, { iova: x0.iova.fork(), fq: x0.fq.fork() });
    if (i === steps.length) break;
    // the known history itself may not come out (the model's world was already off): no place then
    if (!replayStep(x0, steps[i], limit, live)) return [];
  }
  const out: Retro[] = [];
  for (const [i, snap] of at)
    for (let c = 0; c < Math.max(1, cpus); c++) {
      const x = { iova: snap.iova.fork(), fq: snap.fq.fork() };
      const t = x.fq.timer!;
      x.fq.fire(x.iova, c);
      let ok = true;
      for (let j = i; j < steps.length && ok; j++) ok = replayStep(x, steps[j], limit, live);
      if (!ok) continue;
      const fire: Fire = { at: i, cpu: c, armed: t.at, armedCpu: t.cpu, after: i > 0 ? steps[i - 1].ts : t.at, before: i < steps.length ? steps[i].ts : want.ts };
      for (const pages of want.sizes)
        for (const mask of want.masks) {
          const y = x.iova.fork();
          const r = y.dmaAllocIova(pages, limit(mask), want.device, want.cpu);
          if (r.pfn !== want.pfn) continue;
          out.push({ world: new World(x.iova, x.fq, weight, [...fires.filter((g) => g.at < i), fire]), iova: y, pages, mask, tried32: r.tried32 });
        }
    }
  return out;
}
