// The per-CPU IOVA range caches (iova.c iova_rcache_get / iova_rcache_insert /
// free_cpu_cached_iovas). Magazines hold IOVA_MAG_SIZE pfns; cached ranges stay nodes of the
// rbtree until a flush frees them.
import { IovaAllocated, IovaCached, RcacheChanged } from '../../domain-events/index.js';
import { IOVA_RANGE_CACHE_MAX_SIZE } from '../../reducers/index.js';
import { type IovaCtx, orderBase2, pointer } from './ctx.js';
import { depotTakeLoaded, magazineFreePfns } from './depot.js';

/**
 * iova_magazine_pop: the first pfn from the top whose range ends at or below the limit
 * ("scan", ~v5.17+), or only the top one ("top-only"). -1 when none fits.
 */
export function magazinePopIndex(pfns: readonly number[], bound: number, how: 'scan' | 'top-only'): number {
  if (how === 'top-only') return pfns.length && pfns[pfns.length - 1] <= bound ? pfns.length - 1 : -1;
  for (let i = pfns.length - 1; i >= 0; i--) if (pfns[i] <= bound) return i;
  return -1;
}

/**
 * iova_rcache_get(size, L): a cached pfn of the size class for a range ending below L, or 0.
 * Finding loaded empty, it swaps in prev, else takes a depot magazine; those moves stay even
 * when no pfn then fits. A pfn of 0 reads as a miss (the start_pfn 0 quirk).
 */
export function iovaRcacheGet(ctx: IovaCtx, size: number, rounded: number, limitPfn: number): number {
  const order = orderBase2(rounded);
  const d = ctx.d;
  if (order >= IOVA_RANGE_CACHE_MAX_SIZE || !d.rcaches) return 0;
  const cpu = ctx.cpu;
  const c = d.rcaches[order].cpus[cpu];
  if (!c) return 0;
  if (c.loaded.length === 0) {
    if (c.prev.length > 0) ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'swap', index: null }, ctx.meta));
    else if (d.rcaches[order].depot.length > 0) ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'depot-pop', index: null }, ctx.meta));
    else return 0;
  }
  const loaded = ctx.d.rcaches![order].cpus[cpu].loaded;
  const i = magazinePopIndex(loaded, limitPfn + 1 - rounded, ctx.profile.iova.magPop);
  if (i < 0) return 0;
  const pfn = loaded[i];
  if (pfn === 0) {
    // iova.c: 0 means "no pfn" to the caller, yet it has left the magazine; its node stays
    ctx.emit(IovaAllocated.make(rcacheHit(ctx, size, limitPfn, pfn, rounded, i), ctx.meta));
    return 0;
  }
  ctx.emit(IovaAllocated.make(rcacheHit(ctx, size, limitPfn, pfn, rounded, i), ctx.meta));
  return pfn;
}

function rcacheHit(ctx: IovaCtx, size: number, limitPfn: number, pfn: number, rounded: number, magIndex: number) {
  return {
    domain: ctx.domain,
    size,
    limitPfn,
    sizeAligned: true,
    pfnLo: pfn,
    pfnHi: pfn + rounded - 1,
    fromRcache: true,
    magIndex,
    cachedNode: pointer(ctx.d.cachedNode ?? Number.POSITIVE_INFINITY),
    cached32Node: pointer(ctx.d.cached32Node ?? Number.POSITIVE_INFINITY),
  };
}

/** iova_rcache_insert: park pfn in the CPU's loaded magazine; false when its size is not cached. */
export function iovaRcacheInsert(ctx: IovaCtx, pfn: number, size: number): boolean {
  const order = orderBase2(size);
  const d = ctx.d;
  if (order >= IOVA_RANGE_CACHE_MAX_SIZE || !d.rcaches) return false;
  const cpu = ctx.cpu;
  const mag = ctx.profile.iova.magSize;
  const c = d.rcaches[order].cpus[cpu];
  if (!c) return false;
  let dropped: readonly number[] = [];
  if (c.loaded.length >= mag) {
    if (c.prev.length < mag) ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'swap', index: null }, ctx.meta));
    else dropped = depotTakeLoaded(ctx, order);
  }
  ctx.emit(IovaCached.make({ domain: ctx.domain, pfn, size, order }, ctx.meta));
  // 6.1: the dropped magazine's pfns are freed after the push, outside the CPU lock
  if (dropped.length) magazineFreePfns(ctx, dropped, 'depot-overflow');
  return true;
}

/** free_cpu_cached_iovas(cpu): loaded then prev of every size class back to the rbtree. */
export function freeCpuCachedIovas(ctx: IovaCtx, cpu: number): void {
  const rc = ctx.d.rcaches;
  if (!rc) return;
  for (let order = 0; order < rc.length; order++) {
    const c = ctx.d.rcaches![order].cpus[cpu];
    if (!c) continue;
    const loaded = c.loaded.slice();
    const prev = c.prev.slice();
    const meta = ctx.onCpu(cpu);
    if (loaded.length) {
      ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'loaded-emptied', index: null }, meta));
      magazineFreePfns(ctx, loaded, 'rcache-flush', cpu);
    }
    if (prev.length) {
      ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'prev-emptied', index: null }, meta));
      magazineFreePfns(ctx, prev, 'rcache-flush', cpu);
    }
  }
}
