// The IOVA allocator (drivers/iommu/iova.c). Every event records the outcome the kernel
// reached, including the cached-node pointers and max32_alloc_size after the operation, so a
// reducer never re-runs the search. Pfns are in units of the domain's granule. A cached-node
// pointer of null means the anchor node (pfn ~0UL).
import { defineEvent, type EventOfDef } from '../define.js';
import { bool, int, list, obj, oneOf, opt, str } from '../schema.js';

export const IovaRangeReserved = defineEvent(
  'IovaRangeReserved',
  1,
  {
    domain: int,
    /** the request [pfnLo, pfnHi] */
    pfnLo: int,
    pfnHi: int,
    ok: bool,
    /** the node reserve_iova returned (covers the top of the request) */
    resultLo: opt(int),
    resultHi: opt(int),
    /** existing nodes stretched down in place: node that started at `from` now starts at `to` */
    extended: list(obj({ from: int, to: int })),
    /** the new node, if one was inserted */
    inserted: opt(obj({ pfnLo: int, pfnHi: int })),
    /** why: pci-window, resv-region, explicit, msi-window … */
    reason: str,
  },
  'reserve_iova: a range carved out of the allocator',
);

export const IovaAllocated = defineEvent(
  'IovaAllocated',
  1,
  {
    domain: int,
    /** requested size in pfns (before alloc_iova_fast's round-up) */
    size: int,
    limitPfn: int,
    sizeAligned: bool,
    pfnLo: int,
    pfnHi: int,
    /** popped from the CPU's loaded magazine (cpu in the envelope) instead of the rbtree */
    fromRcache: bool,
    /** index in the loaded magazine the pfn was popped from (the top moved into it) */
    magIndex: opt(int),
    /** cached_node / cached32_node after the allocation (pfn_lo of the node, null = anchor) */
    cachedNode: opt(int),
    cached32Node: opt(int),
  },
  'alloc_iova / alloc_iova_fast handed out [pfnLo, pfnHi]',
);

export const IovaAllocFailed = defineEvent(
  'IovaAllocFailed',
  1,
  {
    domain: int,
    size: int,
    limitPfn: int,
    sizeAligned: bool,
    /** refused by the max32_alloc_size fast-fail without searching */
    fastFail: bool,
    /** max32_alloc_size after the failure */
    max32AllocSize: int,
  },
  'alloc_iova found no room below the limit (NULL; -ENOMEM to the caller)',
);

export const IovaFreed = defineEvent(
  'IovaFreed',
  1,
  {
    domain: int,
    pfnLo: int,
    pfnHi: int,
    /** what removed the node from the rbtree */
    via: oneOf('free_iova', '__free_iova', 'rcache-flush', 'depot-overflow', 'depot-trim', 'fq'),
    cachedNode: opt(int),
    cached32Node: opt(int),
    max32AllocSize: int,
  },
  'a node left the rbtree (free_iova, __free_iova, or iova_magazine_free_pfns)',
);

export const IovaFreeIgnored = defineEvent(
  'IovaFreeIgnored',
  1,
  { domain: int, pfn: int },
  'free_iova of a pfn inside no node: nothing happens',
);

export const IovaCached = defineEvent(
  'IovaCached',
  1,
  {
    domain: int,
    pfn: int,
    /** the caller's unrounded size, which picks the size class */
    size: int,
    order: int,
  },
  'free_iova_fast parked the range in the CPU loaded magazine (node stays in the rbtree)',
);

export const RcacheChanged = defineEvent(
  'RcacheChanged',
  1,
  {
    domain: int,
    order: int,
    /**
     * swap: loaded <-> prev of the CPU; depot-push: full loaded onto the depot head, loaded :=
     * empty; depot-pop: loaded := depot head; loaded-dropped: full loaded discarded for an empty
     * one (its pfns follow as IovaFreed); loaded-emptied / prev-emptied: the CPU magazine was
     * flushed (pfns follow as IovaFreed); depot-remove: depot magazine `index` (0 = next to pop)
     * removed (pfns follow as IovaFreed); work-armed / work-idle: the size class's delayed depot
     * trimming work became pending / ran without re-arming (6.7+)
     */
    op: oneOf('swap', 'depot-push', 'depot-pop', 'loaded-dropped', 'loaded-emptied', 'prev-emptied', 'depot-remove', 'work-armed', 'work-idle'),
    index: opt(int),
  },
  'per-CPU IOVA range cache bookkeeping (iova_rcache_get / iova_rcache_insert / flushes)',
);

export type IovaRangeReserved = EventOfDef<typeof IovaRangeReserved>;
export type IovaAllocated = EventOfDef<typeof IovaAllocated>;
export type IovaAllocFailed = EventOfDef<typeof IovaAllocFailed>;
export type IovaFreed = EventOfDef<typeof IovaFreed>;
export type IovaFreeIgnored = EventOfDef<typeof IovaFreeIgnored>;
export type IovaCached = EventOfDef<typeof IovaCached>;
export type RcacheChanged = EventOfDef<typeof RcacheChanged>;
