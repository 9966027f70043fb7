// An allocation entered as found leaves the journal's allocator holding the range as allocated and
// nowhere as free: a cached node it lies in leaves its magazine (loaded, prev or depot), and a
// cached node inside it leaves the tree, so that one node holds the range.
import { describe, expect, it } from 'vitest';
import { evolveBatch, initialState, type State } from '../../reducers/index.js';
import { allocIovaFast, freeIovaFast, initIovaDomain, IovaCtx } from '../../kernel/iova/index.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { linux612 } from '../../kernel/profiles/linux-6.12.js';
import { forceAlloc } from './force.js';

const D = 1;
const LIMIT = 0xfffff;

/** a 2-CPU domain in which CPU `cpu` allocated `n` single pages and freed them back (its rcache holds them) */
function cachedOn(cpu: number, n: number): { state: State; pfns: number[] } {
  let state = initialState();
  const init = IovaCtx.forDomain(state.iova, D, linux612, {});
  initIovaDomain(init, 4096, 1, 2, true);
  state = evolveBatch(state, init.events);
  const k = new KernelCtx(state, linux612, { cpu });
  const pfns: number[] = [];
  for (let i = 0; i < n; i++) pfns.push(k.withIova(D, (c) => allocIovaFast(c, 1, LIMIT, true), cpu));
  for (const p of pfns) k.withIova(D, (c) => freeIovaFast(c, p, 1), cpu);
  return { state: k.state, pfns };
}

function where(s: State, pfn: number): string[] {
  const d = s.iova.domains.get(D)!;
  const out: string[] = [];
  d.rcaches![0].cpus.forEach((c, i) => {
    if (c.loaded.includes(pfn)) out.push(`loaded${i}`);
    if (c.prev.includes(pfn)) out.push(`prev${i}`);
  });
  d.rcaches![0].depot.forEach((m) => m.includes(pfn) && out.push('depot'));
  return out;
}

describe('forceAlloc', () => {
  it('given a pfn in another CPU\'s prev magazine, when entered as found, then it is a node and in no magazine', () => {
    const mag = linux612.iova.magSize;
    const { state, pfns } = cachedOn(1, mag + 2);
    const inPrev = pfns.find((p) => where(state, p).includes('prev1'))!;
    expect(inPrev).toBeDefined();
    const k = new KernelCtx(state, linux612, { cpu: 0 });
    forceAlloc(k, D, inPrev, 1, 0);
    expect(where(k.state, inPrev)).toEqual([]);
    expect(k.state.iova.domains.get(D)!.nodes.get(inPrev)).toBe(inPrev);
    expect(k.events.every((e) => e.how === 'forced')).toBe(true);
  });

  it('given a cached single page, when a 2-page range starting below it is entered as found, then one node holds both pages', () => {
    const { state, pfns } = cachedOn(1, 1);
    const cached = pfns[0];
    const k = new KernelCtx(state, linux612, { cpu: 0 });
    forceAlloc(k, D, cached - 1, 2, 0);
    const nodes = k.state.iova.domains.get(D)!.nodes;
    expect(nodes.get(cached - 1)).toBe(cached);
    expect(nodes.get(cached)).toBeUndefined();
    expect(where(k.state, cached)).toEqual([]);
  });
});
