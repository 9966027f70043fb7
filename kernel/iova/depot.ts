// The rcache depot, the part of iova.c that changed between 6.1 and 6.12:
//  - array32 (6.1): at most MAX_GLOBAL_MAGS = 32 full magazines per size class; when full, the
//    CPU's full magazine is dropped and its pfns freed to the rbtree (iova_magazine_free_pfns).
//  - list+trim (6.7+, "iommu/iova: Make the rcache depot scale better" / "Manage the depot list
//    size"): an unbounded list; every push arms a delayed work that, each time it runs, frees one
//    magazine while the depot holds more than num_online_cpus() (explicit depot_tick commands).
// In both, the state keeps the depot with the next magazine to pop last.
import { RcacheChanged } from '../../domain-events/index.js';
import { type IovaCtx } from './ctx.js';
import { type FoundIova, removeIova } from './free.js';

export const MAX_GLOBAL_MAGS = 32;

/** Frees every pfn of a magazine to the rbtree, in index order (iova.c iova_magazine_free_pfns). */
export function magazineFreePfns(ctx: IovaCtx, pfns: readonly number[], via: 'rcache-flush' | 'depot-overflow' | 'depot-trim', cpu?: number): void {
  for (const pfn of pfns) {
    const lo = ctx.d.nodes.floorKey(pfn);
    // iova.c: WARN_ON(!iova) and skip; a cached pfn always has its node
    if (lo === undefined || ctx.d.nodes.get(lo)! < pfn) continue;
    const node: FoundIova = { pfnLo: lo, pfnHi: ctx.d.nodes.get(lo)! };
    removeIova(ctx, node, via, cpu);
  }
}

/**
 * The CPU's loaded and prev magazines are both full: make room (__iova_rcache_insert). Returns
 * the pfns of a dropped magazine to free after the push (6.1 overflow), else [].
 */
export function depotTakeLoaded(ctx: IovaCtx, order: number): readonly number[] {
  const cpu = ctx.cpu;
  const sc = ctx.d.rcaches![order];
  const loaded = sc.cpus[cpu].loaded.slice();
  if (ctx.profile.iova.depot === 'array32') {
    if (sc.depot.length < MAX_GLOBAL_MAGS) {
      ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'depot-push', index: null }, ctx.meta));
      return [];
    }
    ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'loaded-dropped', index: null }, ctx.meta));
    return loaded;
  }
  ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'depot-push', index: null }, ctx.meta));
  // schedule_delayed_work: arming pending work does not postpone it
  if (!sc.workPending) ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'work-armed', index: null }, { ...ctx.meta, cpu: null }));
  return [];
}

/** free_global_cached_iovas: every depot magazine back to the rbtree (6.1 oldest first, 6.12 newest first). */
export function freeGlobalCachedIovas(ctx: IovaCtx): void {
  const rc = ctx.d.rcaches;
  if (!rc) return;
  for (let order = 0; order < rc.length; order++) {
    while (ctx.d.rcaches![order].depot.length > 0) {
      const depot = ctx.d.rcaches![order].depot;
      const newestFirst = ctx.profile.iova.depot === 'list+trim';
      const at = newestFirst ? depot.length - 1 : 0;
      const pfns = depot[at].slice();
      ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'depot-remove', index: depot.length - 1 - at }, { ...ctx.meta, cpu: null }));
      magazineFreePfns(ctx, pfns, 'rcache-flush');
    }
  }
}

/**
 * One firing of the delayed depot work of every size class whose work is pending (the 6.12
 * oracles' depot_tick; iova.c iova_depot_work_func). Returns how many works ran.
 */
export function depotTick(ctx: IovaCtx): number {
  const rc = ctx.d.rcaches;
  if (!rc || ctx.profile.iova.depot !== 'list+trim') return 0;
  let ran = 0;
  for (let order = 0; order < rc.length; order++) {
    const sc = ctx.d.rcaches![order];
    if (!sc.workPending) continue;
    ran++;
    const meta = { ...ctx.meta, cpu: null };
    if (sc.depot.length > ctx.d.cpus) {
      const pfns = sc.depot[sc.depot.length - 1].slice();
      ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'depot-remove', index: 0 }, meta));
      magazineFreePfns(ctx, pfns, 'depot-trim');
      // re-armed: stays pending
    } else {
      ctx.emit(RcacheChanged.make({ domain: ctx.domain, order, op: 'work-idle', index: null }, meta));
    }
  }
  return ran;
}
