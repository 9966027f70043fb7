// The what-if copies (shadow-iova.ts, shadow-fq.ts) against the kernel model they copy
// (kernel/iova, kernel/dma/flush-queue.ts): the same operations, the same outcomes, pfn for pfn.
import { describe, expect, it } from 'vitest';
import { evolveBatch, initialState, type State } from '../../reducers/index.js';
import { fqFlushTimeout, queueIova } from '../../kernel/dma/flush-queue.js';
import { allocIovaFast, freeIovaFast, initIovaDomain, IovaCtx } from '../../kernel/iova/index.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';
import { linux61 } from '../../kernel/profiles/linux-6.1.js';
import { linux612 } from '../../kernel/profiles/linux-6.12.js';
import { Prng } from '../../kernel/workload/prng.js';
import { ShadowFq } from './shadow-fq.js';
import { ShadowIova } from './shadow-iova.js';

const D = 1;
const CPUS = 2;

function fresh(profile: Profile): State {
  const c = IovaCtx.forDomain(initialState().iova, D, profile, {});
  initIovaDomain(c, 4096, 1, CPUS, true);
  return evolveBatch(initialState(), c.events);
}

/** Random allocations (sizes across the rcache classes and beyond, 32-bit and 48-bit limits), frees and forks, on two CPUs. */
function run(profile: Profile, seed: number, n: number, lazy: boolean) {
  const r = new Prng(seed);
  let k = new KernelCtx(fresh(profile), profile, { ts: 0, cpu: 0 });
  let iova = ShadowIova.of(k.state.iova.domains.get(D)!, profile);
  let fq = lazy ? ShadowFq.of(undefined, CPUS) : null;
  const live: { pfn: number; pages: number }[] = [];
  const outcomes: [number, number][] = [];
  let ts = 0;
  for (let i = 0; i < n; i++) {
    ts += 1000;
    const cpu = Number(r.between(0n, BigInt(CPUS - 1)));
    k.meta = { ts, cpu };
    const op = r.between(0n, 99n);
    if (live.length > 0 && op < 45n) {
      const { pfn, pages } = live.splice(Number(r.between(0n, BigInt(live.length - 1))), 1)[0];
      if (fq) {
        queueIova(k, D, pfn, pages);
        fq.queue(iova, pfn, pages, cpu, ts);
      } else {
        k.withIova(D, (c) => freeIovaFast(c, pfn, pages));
        iova.freeIovaFast(pfn, pages, cpu);
      }
    } else if (fq && op < 50n) {
      // the timer, when armed, fires on one CPU or the other
      const on = Number(r.between(0n, BigInt(CPUS - 1)));
      if (fq.timer !== null) {
        fqFlushTimeout(k, D, on);
        fq.fire(iova, on);
      }
    } else if (op < 55n) {
      // a hypothesis forked off: the copy goes on, the original must not see its writes
      const before = iova;
      iova = iova.fork();
      before.fork().allocIovaFast(1, 0xfffff, true, 0);
      if (fq) fq = fq.fork();
    } else {
      const pages = [1, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 64][Number(r.between(0n, 11n))];
      const limit = r.between(0n, 3n) === 0n ? 0xfffff : 2 ** 36 - 1;
      const rounded = pages < 32 ? 2 ** Math.ceil(Math.log2(pages)) : pages;
      const want = k.withIova(D, (c) => allocIovaFast(c, pages, limit, true));
      const got = iova.allocIovaFast(pages, limit, true, cpu);
      outcomes.push([want, got]);
      if (want) live.push({ pfn: want, pages: rounded === pages ? pages : pages });
    }
    // a world rebuilt from the committed state must go on the same way
    if (i % 97 === 0) {
      iova = ShadowIova.of(k.state.iova.domains.get(D)!, profile);
      if (fq) fq = ShadowFq.of(k.state.flushQueues.domains.get(D), CPUS);
    }
    k = new KernelCtx(k.state, profile, { ts, cpu });
  }
  return outcomes;
}

/** One hypothesis: a kernel model and the what-if copies that must decide as it does. */
interface Lane {
  k: KernelCtx;
  iova: ShadowIova;
  fq: ShadowFq;
  live: { pfn: number; pages: number }[];
}

/**
 * Lazy domains whose copies fork and all go on, interleaved: the copies share magazines and ring
 * logs (magazine.ts, shadow-fq.ts), so a write by one must never show in another.
 */
function runForked(profile: Profile, seed: number, n: number) {
  const r = new Prng(seed);
  const pick = (hi: number) => Number(r.between(0n, BigInt(hi)));
  const k0 = new KernelCtx(fresh(profile), profile, { ts: 0, cpu: 0 });
  const lanes: Lane[] = [{ k: k0, iova: ShadowIova.of(k0.state.iova.domains.get(D)!, profile), fq: ShadowFq.of(undefined, CPUS), live: [] }];
  const outcomes: [number, number][] = [];
  let ts = 0;
  for (let i = 0; i < n; i++) {
    ts += 1000;
    const cpu = pick(CPUS - 1);
    const x = lanes[pick(lanes.length - 1)];
    x.k = new KernelCtx(x.k.state, profile, { ts, cpu });
    const op = pick(99);
    if (x.live.length > 0 && op < 45) {
      const { pfn, pages } = x.live.splice(pick(x.live.length - 1), 1)[0];
      queueIova(x.k, D, pfn, pages);
      x.fq.queue(x.iova, pfn, pages, cpu, ts);
    } else if (op < 52) {
      if (x.fq.timer !== null) {
        fqFlushTimeout(x.k, D, cpu);
        x.fq.fire(x.iova, cpu);
      }
    } else if (op < 58) {
      // a hypothesis forked off: both go on, at most four at a time
      const y = { k: x.k, iova: x.iova.fork(), fq: x.fq.fork(), live: x.live.slice() };
      if (lanes.length < 4) lanes.push(y);
      else lanes[pick(3)] = y;
    } else {
      const pages = [1, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 64][pick(11)];
      const limit = pick(3) === 0 ? 0xfffff : 2 ** 36 - 1;
      const want = x.k.withIova(D, (c) => allocIovaFast(c, pages, limit, true));
      outcomes.push([want, x.iova.allocIovaFast(pages, limit, true, cpu)]);
      if (want) x.live.push({ pfn: want, pages });
    }
  }
  return outcomes;
}

describe('the shadow allocator and flush queue decide as the kernel model does', () => {
  it.each([
    ['linux-6.1', linux61],
    ['linux-6.12', linux612],
  ] as const)('given lazy copies forked and all going on interleaved, each decides as its own kernel model (%s)', (_, profile) => {
    const out = runForked(profile, 78, 6000);
    expect(out.length).toBeGreaterThan(2000);
    const diff = out.findIndex(([a, b]) => a !== b);
    expect({ diff, at: out[diff] }).toEqual({ diff: -1, at: undefined });
  });

  it.each([
    ['linux-6.1', linux61],
    ['linux-6.12', linux612],
  ] as const)('given random allocations, frees, timer firings and forks on two CPUs, every pfn is the same (%s, strict and lazy)', (_, profile) => {
    for (const lazy of [false, true]) {
      const out = run(profile, lazy ? 77 : 76, 4000, lazy);
      expect(out.length).toBeGreaterThan(1500);
      const diff = out.findIndex(([a, b]) => a !== b);
      expect({ lazy, diff, at: out[diff] }).toEqual({ lazy, diff: -1, at: undefined });
    }
  });
});

describe('an allocation entered as found in a what-if copy', () => {
  it.each([
    ['a prev magazine', 200, 5],
    ['a depot magazine', 300, 130],
  ])('given its pfn cached in %s, when entered as found, then no later allocation hands it out again', (_where, frees, nth) => {
    // given: CPU 0 frees `frees` single pages it allocated, so that the nth freed sits in its prev
    // magazine (200: 127 in prev, 73 loaded) or in the depot (300: a full loaded pushed there)
    const iova = ShadowIova.of(fresh(linux612).iova.domains.get(D)!, linux612);
    const pfns = Array.from({ length: frees }, () => iova.allocIovaFast(1, 0xfffff, true, 0));
    for (const p of pfns) iova.freeIovaFast(p, 1, 0);
    // when: the kernel is seen to hand that pfn out
    iova.enter(pfns[nth], 1);
    // then: CPU 0's caches give every other pfn once, and never that one
    const given = Array.from({ length: frees - 1 }, () => iova.allocIovaFast(1, 0xfffff, false, 0));
    expect(given).not.toContain(pfns[nth]);
    expect(new Set(given).size).toBe(frees - 1);
    expect(new Set(given)).toEqual(new Set(pfns.filter((_, i) => i !== nth)));
  });
});

describe('where a what-if copy holds an IOVA the kernel handed out', () => {
  it('given pfns freed on each CPU, one in prev, one in the depot, one allocated and one never, then each is found where the rcache put it', () => {
    // given: CPU 0 frees 300 single pages it allocated (the first 127 end in prev, swapped out
    // full; the next 127 in the depot, pushed there when both were full; the last 46 loaded),
    // CPU 1 frees one more, one stays allocated
    const iova = ShadowIova.of(fresh(linux612).iova.domains.get(D)!, linux612);
    const pfns = Array.from({ length: 303 }, () => iova.allocIovaFast(1, 0xfffff, true, 0));
    for (const p of pfns.slice(0, 300)) iova.freeIovaFast(p, 1, 0);
    iova.freeIovaFast(pfns[300], 1, 1);
    const never = Math.min(...pfns) - 1;
    // when/then: asked from CPU 0's side
    const where = (pfn: number) => iova.heldIn(pfn, 1, 0);
    expect([where(pfns[5]), where(pfns[200]), where(pfns[290]), where(pfns[300]), where(pfns[301]), where(never)]).toEqual(['prev', 'depot', 'loaded', 'other-cpu', 'node', 'free']);
  });
});

describe('an allocation entered as found from the top of a magazine the kernel could have popped', () => {
  it("given it on top of the CPU's prev while loaded holds others, when entered as found, then prev's rest is handed out first, the old loaded after", () => {
    // given: CPU 0 frees 130 pages: 127 fill a magazine that is swapped to prev, 3 are loaded
    const iova = ShadowIova.of(fresh(linux612).iova.domains.get(D)!, linux612);
    const pfns = Array.from({ length: 130 }, () => iova.allocIovaFast(1, 0xfffff, true, 0));
    for (const p of pfns) iova.freeIovaFast(p, 1, 0);
    expect(iova.heldIn(pfns[126], 1, 0)).toBe('prev');
    // when: the kernel hands out prev's top on CPU 0 (its loaded was empty: it swapped prev in)
    iova.enter(pfns[126], 1, 0);
    // then: the next pops are prev's next entries, top first, then the three once loaded
    const next = Array.from({ length: 129 }, () => iova.allocIovaFast(1, 0xfffff, false, 0));
    expect(next.slice(0, 3)).toEqual([pfns[125], pfns[124], pfns[123]]);
    expect(next.slice(126)).toEqual([pfns[129], pfns[128], pfns[127]]);
  });

  it("given it on top of the other CPU's loaded, when entered as found on this CPU, then that magazine's rest is this CPU's and this CPU's goes there", () => {
    // given: CPU 1 freed 4 pages, CPU 0 freed 2
    const iova = ShadowIova.of(fresh(linux612).iova.domains.get(D)!, linux612);
    const pfns = Array.from({ length: 6 }, () => iova.allocIovaFast(1, 0xfffff, true, 0));
    for (const p of pfns.slice(0, 4)) iova.freeIovaFast(p, 1, 1);
    for (const p of pfns.slice(4)) iova.freeIovaFast(p, 1, 0);
    // when: CPU 0 is seen to take CPU 1's top
    iova.enter(pfns[3], 1, 0);
    // then: CPU 0 pops CPU 1's batch in its order, CPU 1 pops what CPU 0 had
    expect([0, 0, 0].map(() => iova.allocIovaFast(1, 0xfffff, false, 0))).toEqual([pfns[2], pfns[1], pfns[0]]);
    expect([0, 0].map(() => iova.allocIovaFast(1, 0xfffff, false, 1))).toEqual([pfns[5], pfns[4]]);
  });

  it('given a pfn deep in the loaded magazine, when entered as found, then it leaves as a pop takes it and the top stays', () => {
    const iova = ShadowIova.of(fresh(linux612).iova.domains.get(D)!, linux612);
    const pfns = Array.from({ length: 4 }, () => iova.allocIovaFast(1, 0xfffff, true, 0));
    for (const p of pfns) iova.freeIovaFast(p, 1, 0);
    iova.enter(pfns[1], 1, 0);
    expect([0, 0, 0].map(() => iova.allocIovaFast(1, 0xfffff, false, 0))).toEqual([pfns[2], pfns[3], pfns[0]]);
  });
});
