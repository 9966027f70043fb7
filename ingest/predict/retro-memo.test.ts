// retroFire with the memo kept from call to call (retro-memo.ts) against retroFire afresh: on a
// seeded lazy log that grows, gains firings and is committed from the front, every call gives
// the same worlds, the same copies and the same fits.
import { describe, expect, it } from 'vitest';
import { evolveBatch, initialState } from '../../reducers/index.js';
import { initIovaDomain, IovaCtx } from '../../kernel/iova/index.js';
import { linux612 } from '../../kernel/profiles/linux-6.12.js';
import { Prng } from '../../kernel/workload/prng.js';
import { commitSteps, type Copy, type LogStep } from './commit.js';
import { dmaLimit } from './lazy-domain.js';
import { type Retro, retroFire } from './retro.js';
import { RetroMemo } from './retro-memo.js';
import { ShadowFq } from './shadow-fq.js';
import { type ShadowDevice, ShadowIova } from './shadow-iova.js';
import { type Fire } from './worlds.js';

const D = 1;
const CPUS = 2;
const DEV: ShadowDevice = { pci: true, pci32Workaround: false };

function committed(): Copy {
  const c = IovaCtx.forDomain(initialState().iova, D, linux612, {});
  initIovaDomain(c, 4096, 1, CPUS, true);
  const s = evolveBatch(initialState(), c.events);
  return { iova: ShadowIova.of(s.iova.domains.get(D)!, linux612), fq: ShadowFq.of(undefined, CPUS) };
}

/** what a result is, down to the next allocations its copies give */
function outline(got: readonly Retro[]): unknown[] {
  const next = (iova: ShadowIova) => [1, 2, 8, 33].map((p) => iova.fork().dmaAllocIova(p, dmaLimit(64), DEV, 0).pfn);
  return got.map((r) => ({
    pages: r.pages,
    mask: r.mask,
    tried32: r.tried32,
    w: r.world.w,
    fires: r.world.fires.map((f) => [f.at, f.cpu, f.armed, f.armedCpu, f.after, f.before]),
    fit: next(r.iova),
    world: next(r.world.iova),
    queued: r.world.fq!.queued,
    timer: r.world.fq!.timer,
  }));
}

/**
 * A seeded run: the trace's own history (a copy taking every step, its timer fired now and then
 * on a CPU), logged as a lazy domain logs it; at every allocation retroFire is asked for the
 * pfn the history's timer would have given had it fired just now, once with the kept memo and
 * once afresh; now and then the front of the log is committed.
 */
function run(seed: number, n: number): { calls: number; found: number } {
  const r = new Prng(seed);
  const pick = (hi: number) => Number(r.between(0n, BigInt(hi)));
  const base = committed();
  const truth: { iova: ShadowIova; fq: ShadowFq } = { iova: base.iova.fork(), fq: base.fq.fork() };
  const memo = new RetroMemo();
  const live = new Set<number>();
  const held: { pfn: number; pages: number }[] = [];
  let log: LogStep[] = [];
  let fires: Fire[] = [];
  let ts = 0;
  let calls = 0;
  let found = 0;
  for (let i = 0; i < n; i++) {
    let adopted = false;
    ts += 1000 + pick(20_000);
    const cpu = pick(CPUS - 1);
    const op = pick(99);
    if (held.length > 0 && op < 45) {
      const { pfn, pages } = held.splice(pick(held.length - 1), 1)[0];
      live.delete(pfn);
      truth.fq.queue(truth.iova, pfn, pages, cpu, ts);
      log.push({ kind: 'free', pfn, pages, cpu, ts, burst: op < 15 });
    } else if (op < 55) {
      if (truth.fq.timer !== null) {
        const t = truth.fq.timer;
        truth.fq.fire(truth.iova, cpu);
        fires.push({ at: log.length, cpu, armed: t.at, armedCpu: t.cpu, after: log.at(-1)?.ts ?? t.at, before: ts });
      }
    } else {
      const pages = [1, 1, 2, 4, 8, 3][pick(5)];
      // the allocation the trace would show had the timer fired now (when armed), else the history's own
      const now: Copy = { iova: truth.iova.fork(), fq: truth.fq.fork() };
      if (now.fq.timer !== null) now.fq.fire(now.iova, pick(CPUS - 1));
      const want = now.iova.fork().dmaAllocIova(pages, dmaLimit(64), DEV, cpu).pfn;
      const root = () => ({ iova: base.iova.fork(), fq: base.fq.fork() });
      const ask = { pfn: want, sizes: [pages], masks: [64, 32], device: DEV, cpu, ts };
      const kept = retroFire(root, log, fires, CPUS, ask, dmaLimit, 0.1, live, memo);
      const fresh = retroFire(root, log, fires, CPUS, ask, dmaLimit, 0.1, live);
      expect(outline(kept)).toEqual(outline(fresh));
      calls++;
      if (kept.length > 0) found++;
      let pfn: number;
      let mask = 64;
      if (kept.length > 0 && pick(1) === 0) {
        // the history taken back: the timer fired at one of the places instead (as the lazy
        // domain takes a retro world), its firings those of that world
        const got = kept[pick(kept.length - 1)];
        truth.iova = got.iova;
        truth.fq = got.world.fq!;
        fires = got.world.fires;
        pfn = want;
        mask = got.mask;
        adopted = true;
      } else pfn = truth.iova.dmaAllocIova(pages, dmaLimit(64), DEV, cpu).pfn;
      if (pfn === 0) continue;
      log.push({ kind: 'alloc', pfn, pages, cpu, ts, device: DEV, mask, phantoms: false });
      held.push({ pfn, pages });
      live.add(pfn);
    }
    // the front of the log committed with the history's firings (with those after it, or not);
    // at times right after a world was taken back, over its new firing
    if ((log.length > 60 && pick(9) === 0) || (adopted && log.length > 30 && pick(3) === 0)) {
      const k = adopted ? log.length - 1 : log.length - 2 - pick(30);
      const until = pick(1) === 0 ? k : k + 1;
      commitSteps(base, log, k, fires, until, dmaLimit, live);
      memo.committed(k, until, fires);
      log = log.slice(k);
      fires = fires.filter((f) => f.at >= until).map((f) => ({ ...f, at: f.at - k }));
    }
  }
  return { calls, found };
}

describe('retroFire with a kept memo', () => {
  it('given a growing lazy log with firings and commits, when asked at every allocation, then it answers as retroFire afresh', () => {
    for (const seed of [1, 2, 3]) {
      const { calls, found } = run(seed, 900);
      // the run asked often and found worlds often: the comparison is not of empty answers
      expect(calls).toBeGreaterThan(300);
      expect(found).toBeGreaterThan(calls / 10);
    }
  });
});
