// alloc_iova_fast / free_iova_fast (iova.c, 6.1 = 6.12 apart from the depot): the rcache
// first, the rbtree after, and on failure one flush of every CPU's caches and the depot
// followed by one more rbtree attempt.
import { IOVA_RANGE_CACHE_MAX_SIZE } from '../../reducers/index.js';
import { allocIova } from './alloc.js';
import { type IovaCtx, roundupPowOfTwo } from './ctx.js';
import { freeGlobalCachedIovas } from './depot.js';
import { freeIova } from './free.js';
import { freeCpuCachedIovas, iovaRcacheGet, iovaRcacheInsert } from './rcache.js';

/** alloc_iova_fast: pfn, or 0 when nothing fits. */
export function allocIovaFast(ctx: IovaCtx, size: number, limitPfn: number, flushRcache: boolean): number {
  // iova.c alloc_iova_fast: round up below 32 pfns so the free lands in the same size class
  const rounded = size < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1) ? roundupPowOfTwo(size) : size;
  const cached = iovaRcacheGet(ctx, size, rounded, limitPfn);
  if (cached) return cached;
  let pfn = allocIova(ctx, rounded, limitPfn, true, size);
  if (pfn === null && flushRcache) {
    flushRcaches(ctx);
    pfn = allocIova(ctx, rounded, limitPfn, true, size);
  }
  return pfn ?? 0;
}

/** free_iova_fast with the caller's unrounded size: the rcache, else the rbtree. */
export function freeIovaFast(ctx: IovaCtx, pfn: number, size: number): void {
  if (iovaRcacheInsert(ctx, pfn, size)) return;
  freeIova(ctx, pfn);
}

/** The flush alloc_iova_fast does on failure: every online CPU, then (v5.11+) the depot. */
export function flushRcaches(ctx: IovaCtx): void {
  for (let cpu = 0; cpu < ctx.d.cpus; cpu++) freeCpuCachedIovas(ctx, cpu);
  if (ctx.profile.iova.flushOnFail === 'cpu+depot') freeGlobalCachedIovas(ctx);
}

/** iova_cpuhp_dead: the dead CPU's magazines go back to the rbtree. */
export function cpuDead(ctx: IovaCtx, cpu: number): void {
  freeCpuCachedIovas(ctx, cpu);
}
