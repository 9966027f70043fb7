// alloc_iova and its search (iova.c __alloc_and_insert_iova_range, iova_find_limit; the
// same in 6.1.192 and 6.12.117).
import { IovaAllocated, IovaAllocFailed } from '../../domain-events/index.js';
import { type IovaSwitches } from '../profile.js';
import { cachedNodeInsertUpdate, getCachedNode, type IovaTree } from './cached-node.js';
import { ANCHOR, flsLong, type IovaCtx, pointer } from './ctx.js';

/** Where the search of [lo, hi] ends: the new range, or null when it does not fit. */
export interface SearchResult {
  readonly pfnLo: number | null;
  /** the failure was the max32_alloc_size fast fail (no search) */
  readonly fastFail: boolean;
}

/** pfn_hi of the node starting at `lo`, ANCHOR for the anchor */
function hiOf(d: IovaTree, lo: number): number {
  return lo === ANCHOR ? ANCHOR : d.nodes.get(lo)!;
}

/**
 * iova.c iova_find_limit: the node the second pass starts from. Above 4 GiB the anchor; below,
 * the lowest node whose pfn_hi reaches the limit (walking down from it clamps `high` to the limit,
 * so this is the node the kernel's rbtree walk lands on or its equivalent).
 */
export function iovaFindLimit(d: IovaTree, limit: number): number {
  if (limit > d.dma32bitPfn) return ANCHOR;
  let found = ANCHOR;
  // pfn_hi grows with pfn_lo (ranges never overlap): the node before the first pfn_lo >= limit may straddle it
  const below = d.nodes.lowerKey(limit);
  if (below !== undefined && d.nodes.get(below)! >= limit) return below;
  const at = d.nodes.ceilKey(limit);
  if (at !== undefined) found = at;
  return found;
}

/**
 * iova.c __alloc_and_insert_iova_range with the exclusive limit L = limit_pfn + 1: walk down from
 * the cached node to the first gap below it that holds `size` pfns at the alignment; if the first
 * pass fails and the cached node was not the anchor, search once more between the cached node and
 * L (the retry pass, v5.11+, per profile).
 */
export function allocAndInsertIovaRange(d: IovaTree, sw: IovaSwitches, size: number, limit: number, sizeAligned: boolean): SearchResult {
  const align = sizeAligned ? 2 ** flsLong(size - 1) : 1;
  // iova.c: 32-bit-limited requests at least as large as the last failure fail at once
  if (sw.max32 && limit <= d.dma32bitPfn && size >= d.max32AllocSize) return { pfnLo: null, fastFail: true };
  let curr = getCachedNode(d, limit);
  const retryPfn = hiOf(d, curr);
  let high = limit;
  let low = d.startPfn;
  for (;;) {
    let candidate: number;
    let next: number | undefined;
    do {
      high = Math.min(high, curr);
      // unsigned (high - size) wraps when high < size: the check below fails it
      candidate = high < size ? ANCHOR : Math.floor((high - size) / align) * align;
      next = curr === ANCHOR ? d.nodes.maxKey() : d.nodes.lowerKey(curr);
      curr = next ?? -1;
    } while (next !== undefined && candidate <= d.nodes.get(next)! && candidate >= low);
    if (high < size || candidate < low) {
      if (sw.retry && low === d.startPfn && retryPfn < limit) {
        high = limit;
        low = retryPfn + 1;
        curr = iovaFindLimit(d, limit);
        continue;
      }
      return { pfnLo: null, fastFail: false };
    }
    return { pfnLo: candidate, fastFail: false };
  }
}

/** alloc_iova(iovad, size, limit_pfn, size_aligned): the new range's pfn_lo, or null (-ENOMEM). */
export function allocIova(ctx: IovaCtx, size: number, limitPfn: number, sizeAligned: boolean, requested = size): number | null {
  const r = allocAndInsertIovaRange(ctx.d, ctx.profile.iova, size, limitPfn + 1, sizeAligned);
  const d = ctx.d;
  if (r.pfnLo === null) {
    // iova.c: a searched failure records its size (any limit); the fast fail changes nothing
    const max32 = r.fastFail || !ctx.profile.iova.max32 ? d.max32AllocSize : size;
    ctx.emit(IovaAllocFailed.make({ domain: ctx.domain, size: requested, limitPfn, sizeAligned, fastFail: r.fastFail, max32AllocSize: max32 }, ctx.meta));
    return null;
  }
  const pfnHi = r.pfnLo + size - 1;
  const p = cachedNodeInsertUpdate(d, r.pfnLo, pfnHi);
  ctx.emit(
    IovaAllocated.make(
      {
        domain: ctx.domain,
        size: requested,
        limitPfn,
        sizeAligned,
        pfnLo: r.pfnLo,
        pfnHi,
        fromRcache: false,
        magIndex: null,
        cachedNode: pointer(p.cachedNode),
        cached32Node: pointer(p.cached32Node),
      },
      ctx.meta,
    ),
  );
  return r.pfnLo;
}
