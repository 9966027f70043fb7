// Cached IOVAs the kernel did not have. iova.c (6.1, 6.12) alloc_iova_fast asks the allocating
// CPU's rcache first (__iova_rcache_get: its loaded magazine, then prev): an allocation the trace
// shows coming from the rbtree while the mirror's magazines of that CPU and size class hold a pfn
// that fits says the kernel's held none. The mirror's came from a line that was not this
// domain's (a map placed here by attribution, freed into this CPU's magazine): they are phantoms,
// and a CPU whose own unmaps never refill that magazine (completions on another CPU) would offer
// them to every later allocation. Dropping them, magazine and rbtree node, is tracking: it is
// tried only after the guess, and kept only when it gives the IOVA the trace shows. A phantom's
// node was never in the kernel's tree, so its leaving does not move the kernel's cached-node
// hints (iova.c (6.1, 6.12) __cached_rbnode_delete_update would): they stay, unless they point at it.
import { IovaFreed, RcacheChanged } from '../../domain-events/index.js';
import { cachedNodeDeleteUpdate, findIova, fromPointer, type IovaCtx, type IovaTree, orderBase2, pointer, roundupPowOfTwo } from '../../kernel/iova/index.js';
import { IOVA_RANGE_CACHE_MAX_SIZE } from '../../reducers/index.js';

/** the rcache size class of an allocation of `pages` (alloc_iova_fast rounds below 32 pfns), or null when not cached */
export function rcacheOrder(pages: number): number | null {
  const rounded = pages < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1) ? roundupPowOfTwo(pages) : pages;
  const order = orderBase2(rounded);
  return order < IOVA_RANGE_CACHE_MAX_SIZE ? order : null;
}

/**
 * Empties `cpu`'s loaded and prev magazines of the size class of `pages`, their pfns' nodes
 * leaving the tree, except those of ranges the trace shows live (`live`: a stale cache entry of an
 * allocation the mirror entered as found, whose node is in use). Returns whether any was held.
 */
export function dropPhantoms(c: IovaCtx, cpu: number, pages: number, live: ReadonlySet<number>): boolean {
  const order = rcacheOrder(pages);
  const mags = order === null ? undefined : c.d.rcaches?.[order]?.cpus[cpu];
  if (order === null || !mags) return false;
  const loaded = mags.loaded.slice();
  const prev = mags.prev.slice();
  const meta = c.onCpu(cpu);
  if (loaded.length) c.emit(RcacheChanged.make({ domain: c.domain, order, op: 'loaded-emptied', index: null }, meta));
  if (prev.length) c.emit(RcacheChanged.make({ domain: c.domain, order, op: 'prev-emptied', index: null }, meta));
  for (const pfn of [...loaded, ...prev]) {
    if (live.has(pfn)) continue;
    const node = findIova(c.d, pfn);
    // a phantom inside another node (entered as found over a live range) has no node of its own
    if (!node || node.pfnLo !== pfn) continue;
    const hints = phantomLeaves(c.d, node.pfnLo, node.pfnHi);
    c.emit(IovaFreed.make({ domain: c.domain, pfnLo: node.pfnLo, pfnHi: node.pfnHi, via: 'rcache-flush', cachedNode: pointer(hints.cachedNode), cached32Node: pointer(hints.cached32Node), max32AllocSize: c.d.max32AllocSize }, meta));
  }
  return loaded.length + prev.length > 0;
}

/** The cached-node hints once a phantom node [lo, hi] leaves: unchanged, unless one points at it (then as the delete update moves it). */
export function phantomLeaves(d: IovaTree, lo: number, hi: number): { cachedNode: number; cached32Node: number } {
  const u = cachedNodeDeleteUpdate(d, lo, hi);
  return {
    cachedNode: fromPointer(d.cachedNode) === lo ? u.cachedNode : fromPointer(d.cachedNode),
    cached32Node: fromPointer(d.cached32Node) === lo ? u.cached32Node : fromPointer(d.cached32Node),
  };
}

/** frees remembered per domain */
const RECENT_FREES = 64;

/**
 * The CPUs a strict domain's recent unmaps ran on (free_iova_fast at once, on that CPU). A CPU
 * that made at least half of them refills its own magazines: a stale entry there is soon popped
 * and replaced, and an allocation that missed it more likely says the line was placed in the
 * wrong domain than that the cache was wrong, so phantoms are looked for only on CPUs that do
 * not. A lazy domain's magazines are refilled only by flush-queue flushes, in batches, whatever
 * CPU unmapped: its phantoms persist, and are always looked for.
 */
export class FreeCpus {
  private readonly ring: number[] = [];
  private at = 0;

  freed(cpu: number): void {
    if (this.ring.length < RECENT_FREES) this.ring.push(cpu);
    else this.ring[this.at] = cpu;
    this.at = (this.at + 1) % RECENT_FREES;
  }

  refills(cpu: number): boolean {
    let n = 0;
    for (const c of this.ring) if (c === cpu) n++;
    return 2 * n >= this.ring.length;
  }
}
