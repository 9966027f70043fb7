// An allocation the trace shows and the kernel model did not choose (the model was wrong, or the
// trace lacks a free), entered into the journal's allocator as found. The journal must then hold
// the range as allocated, and nowhere as free: a range a magazine still holds would go back to
// the rbtree (a depot trim, a flush) or to another allocation while the trace has it mapped. So
// a cached node the range lies in leaves its magazine, wherever it sits: the CPUs' loaded and
// prev magazines (iova.c (6.1, 6.12) keep a freed range a node while it is cached, so the node
// stays and only the magazine entry goes) or a depot magazine (which leaves the depot, its other
// ranges freed as iova_depot_work_func frees a trimmed one). The events are marked `forced`:
// they say what the trace implies, not a step the kernel took.
import { IovaAllocated, type Meta, RcacheChanged } from '../../domain-events/index.js';
import { type KernelCtx } from '../../kernel/machine/ctx.js';
import { magazineFreePfns, orderBase2, removeIova } from '../../kernel/iova/index.js';
import { type IovaDomainState, IOVA_RANGE_CACHE_MAX_SIZE } from '../../reducers/index.js';

/** Enters [pfn, pfn + pages) as allocated in the journal's domain, taking any cached node it lies in out of its magazine. */
export function forceAlloc(k: KernelCtx, domain: number, pfn: number, pages: number, cpu: number): void {
  const meta: Meta = { ...k.meta, cpu, how: 'forced' };
  const d = k.state.iova.domains.get(domain)!;
  const lo = d.nodes.floorKey(pfn);
  if (lo !== undefined && d.nodes.get(lo)! >= pfn) {
    // a node holds the start: cached (the kernel handed it out again) or already in use
    const hi = d.nodes.get(lo)!;
    claimCached(k, domain, d, lo, hi, meta);
    if (hi + 1 < pfn + pages) forceAlloc(k, domain, hi + 1, pfn + pages - hi - 1, cpu);
    return;
  }
  const rounded = pages < 32 ? 2 ** orderBase2(pages) : pages;
  // a cached node inside the range is one the kernel did not have (the allocation the trace shows
  // covers it): it leaves its magazine and the tree; the new node ends where a node in use
  // starts, if that is sooner (what lies beyond is entered there in turn)
  let next = k.state.iova.domains.get(domain)!.nodes.higherKey(pfn);
  while (next !== undefined && next <= pfn + rounded - 1) {
    const now = k.state.iova.domains.get(domain)!;
    const nextHi = now.nodes.get(next)!;
    if (!claimCached(k, domain, now, next, nextHi, meta)) break;
    k.withIova(domain, (x) => removeIova(x, { pfnLo: next!, pfnHi: nextHi }, 'rcache-flush', cpu));
    next = k.state.iova.domains.get(domain)!.nodes.higherKey(pfn);
  }
  const e = k.state.iova.domains.get(domain)!;
  const hi = next !== undefined && next <= pfn + rounded - 1 ? next - 1 : pfn + rounded - 1;
  const cached32 = hi < e.dma32bitPfn ? pfn : e.cached32Node;
  const cached = hi < e.dma32bitPfn ? e.cachedNode : pfn;
  k.emit(IovaAllocated.make({ domain, size: hi - pfn + 1, limitPfn: hi, sizeAligned: true, pfnLo: pfn, pfnHi: hi, fromRcache: false, magIndex: null, cachedNode: cached, cached32Node: cached32 }, meta));
  if (hi + 1 < pfn + pages) forceAlloc(k, domain, hi + 1, pfn + pages - hi - 1, cpu);
}

/** Whether one node holds all of [pfn, pfn + pages), starting at pfn: the allocation an unmap of that range frees. */
export function heldWhole(d: IovaDomainState, pfn: number, pages: number): boolean {
  const hi = d.nodes.get(pfn);
  return hi !== undefined && hi >= pfn + pages - 1;
}

/**
 * Enters [pfn, pfn + pages) as one allocation, the one an unmap of that range frees: dma-iommu.c
 * (6.1, 6.12) __iommu_dma_unmap frees one IOVA allocation per unmap (iommu_dma_free_iova of the
 * whole iova_align(size) at dma_addr), so nodes that start inside the range are that allocation
 * seen in parts. They are what a trace that starts in the middle of a dma_map_sg list leaves: its
 * first lines came before the trace, and each later line was entered as found on its own. They
 * leave their magazine, if cached, and the tree; a node holding the start from below is another
 * allocation and stays (forceAlloc enters the range beyond it).
 */
export function forceWhole(k: KernelCtx, domain: number, pfn: number, pages: number, cpu: number): void {
  const meta: Meta = { ...k.meta, cpu, how: 'forced' };
  for (;;) {
    const d = k.state.iova.domains.get(domain)!;
    const lo = d.nodes.higherKey(pfn - 1);
    if (lo === undefined || lo >= pfn + pages) break;
    const hi = d.nodes.get(lo)!;
    claimCached(k, domain, d, lo, hi, meta);
    k.withIova(domain, (x) => removeIova(x, { pfnLo: lo, pfnHi: hi }, 'free_iova', cpu));
  }
  forceAlloc(k, domain, pfn, pages, cpu);
}

/** The node [lo, hi] leaves the magazine that holds it, if one does (it stays a node: allocated); whether one did. */
function claimCached(k: KernelCtx, domain: number, d: IovaDomainState, lo: number, hi: number, meta: Meta): boolean {
  const order = orderBase2(hi - lo + 1);
  const sc = order < IOVA_RANGE_CACHE_MAX_SIZE ? d.rcaches?.[order] : undefined;
  if (!sc) return false;
  const taken = (c: number, i: number) =>
    IovaAllocated.make({ domain, size: hi - lo + 1, limitPfn: hi, sizeAligned: true, pfnLo: lo, pfnHi: hi, fromRcache: true, magIndex: i, cachedNode: d.cachedNode, cached32Node: d.cached32Node }, { ...meta, cpu: c });
  for (let c = 0; c < sc.cpus.length; c++) {
    const i = sc.cpus[c].loaded.indexOf(lo);
    if (i >= 0) {
      k.emit(taken(c, i));
      return true;
    }
    const j = sc.cpus[c].prev.indexOf(lo);
    if (j < 0) continue;
    // the reducer pops from the loaded magazine: prev is swapped in for the pop and back out
    const swap = () => RcacheChanged.make({ domain, order, op: 'swap', index: null }, { ...meta, cpu: c });
    k.emit(swap(), taken(c, j), swap());
    return true;
  }
  for (let at = 0; at < sc.depot.length; at++) {
    if (!sc.depot[at].includes(lo)) continue;
    const others = sc.depot[at].filter((p) => p !== lo);
    k.emit(RcacheChanged.make({ domain, order, op: 'depot-remove', index: sc.depot.length - 1 - at }, { ...meta, cpu: null }));
    k.withIova(domain, (x) => magazineFreePfns(x, others, 'depot-trim'));
    return true;
  }
  return false;
}
