// A what-if copy of one domain's IOVA allocator (iova.c alloc_iova_fast / free_iova_fast and
// dma-iommu.c iommu_dma_alloc_iova), for the mirror's hypotheses: the flush-queue timer fired
// here or there, the request was this size or that. The journal's allocator events still come
// from the kernel deciders (kernel/iova, kernel/dma), run once per trace line on the committed
// state (commit.ts); this copy decides the same way without making events, on persistent
// structures (the rbtree a PMap, the magazines immutable stacks, magazine.ts), so that a
// hypothesis costs a fork of a few slot references and a cell per write instead of a replay
// through the reducers or a copy of the magazines. The rbtree search and the cached-node rules are the kernel model's own
// functions (kernel/iova/alloc.ts, cached-node.ts); the rcache is written out here, rule for rule
// as in kernel/iova/rcache.ts and depot.ts, and a test holds the two to the same outcomes.
import { type IovaDomainState, PMap, Tx } from '../../reducers/index.js';
import { DMA_BIT_MASK_32 } from '../../kernel/dma/alloc-iova.js';
import { allocAndInsertIovaRange, cachedNodeDeleteUpdate, cachedNodeInsertUpdate, MAX_GLOBAL_MAGS, orderBase2, pointer, roundupPowOfTwo } from '../../kernel/iova/index.js';
import { type Profile } from '../../kernel/profile.js';
import { magAt, magFromArray, magIndexOf, magPopIndex, magPush, magRemoveAt, magSize, magToArray, magWithout, type Stack } from './magazine.js';
import { phantomLeaves } from './phantoms.js';

/** iova.c IOVA_RANGE_CACHE_MAX_SIZE: size classes of 1..32 pfns */
const CLASSES = 6;

const APERTURE = (1n << 48n) - 1n;
const PFN_32 = Number(DMA_BIT_MASK_32 >> 12n);

/** a DMA limit under the 48-bit aperture as dmaAllocIova needs it */
interface Limit {
  readonly dma: bigint;
  /** the last pfn it allows */
  readonly pfn: number;
  /** above DMA_BIT_MASK(32): the 32-bit try may come first */
  readonly above32: boolean;
}

/** the last limits seen (a trace has one or two DMA masks): worked out once, not per hypothesis */
const seenLimits: Limit[] = [];

function limitOf(dmaLimit: bigint): Limit {
  for (const l of seenLimits) if (l.dma === dmaLimit) return l;
  const limit = APERTURE < dmaLimit ? APERTURE : dmaLimit;
  const l = { dma: dmaLimit, pfn: Number(limit >> 12n), above32: limit > DMA_BIT_MASK_32 };
  if (seenLimits.length >= 4) seenLimits.shift();
  seenLimits.push(l);
  return l;
}

/** The device side of iommu_dma_alloc_iova: its bus, and the sticky 6.12 workaround flag. */
export interface ShadowDevice {
  readonly pci: boolean;
  readonly pci32Workaround: boolean;
}

/**
 * Where a what-if copy holds an IOVA the kernel handed out: the allocating CPU's loaded
 * magazine (below its top: the top would have been the guess) or prev, a depot magazine, another
 * CPU's loaded or prev, a node in use or on a flush queue, or nowhere (free in its rbtree).
 */
export type HeldIn = 'loaded' | 'prev' | 'depot' | 'other-cpu' | 'node' | 'free';

export interface ShadowAlloc {
  /** pfn, 0 when the allocation failed */
  readonly pfn: number;
  readonly tried32: boolean;
}

/**
 * The rcaches: per size class and CPU the loaded and prev magazines (flat, at order * stride +
 * cpu), per size class the depot with its next magazine last. Magazines are immutable
 * (magazine.ts), so a fork copies these few slots and nothing else; a depot is copied the first
 * time a fork writes it.
 */
interface Rcache {
  readonly loaded: Stack[];
  readonly prev: Stack[];
  readonly depot: Stack[][];
  /** per size class: the CPUs it has */
  readonly width: readonly number[];
  readonly stride: number;
}

export class ShadowIova {
  nodes: PMap<number>;
  cachedNode: number | null;
  cached32Node: number | null;
  max32AllocSize: number;
  readonly startPfn: number;
  readonly dma32bitPfn: number;
  readonly cpus: number;
  private readonly loaded: Stack[];
  private readonly prev: Stack[];
  private readonly depot: Stack[][];
  private readonly width: readonly number[];
  private readonly stride: number;
  /** bit o: depot[o] is this copy's own (not shared with a fork) */
  private depotOwned = 0;
  private readonly rcaches: boolean;
  private tx = new Tx();

  private constructor(d: Pick<IovaDomainState, 'nodes' | 'cachedNode' | 'cached32Node' | 'max32AllocSize' | 'startPfn' | 'dma32bitPfn' | 'cpus'>, rcaches: boolean, r: Rcache, private readonly profile: Profile) {
    this.nodes = d.nodes;
    this.cachedNode = d.cachedNode;
    this.cached32Node = d.cached32Node;
    this.max32AllocSize = d.max32AllocSize;
    this.startPfn = d.startPfn;
    this.dma32bitPfn = d.dma32bitPfn;
    this.cpus = d.cpus;
    this.rcaches = rcaches;
    this.loaded = r.loaded;
    this.prev = r.prev;
    this.depot = r.depot;
    this.width = r.width;
    this.stride = r.stride;
  }

  /** A copy of the committed allocator state. */
  static of(d: IovaDomainState, profile: Profile): ShadowIova {
    const width: number[] = [];
    for (let o = 0; o < CLASSES; o++) width.push(Math.max(d.cpus, d.rcaches?.[o]?.cpus.length ?? 0));
    const stride = Math.max(...width);
    const loaded: Stack[] = new Array<Stack>(CLASSES * stride).fill(null);
    const prev: Stack[] = new Array<Stack>(CLASSES * stride).fill(null);
    const depot: Stack[][] = [];
    for (let o = 0; o < CLASSES; o++) {
      const sc = d.rcaches?.[o];
      for (let c = 0; c < width[o]; c++) {
        loaded[o * stride + c] = magFromArray(sc?.cpus[c]?.loaded ?? []);
        prev[o * stride + c] = magFromArray(sc?.cpus[c]?.prev ?? []);
      }
      depot.push(sc ? sc.depot.map(magFromArray) : []);
    }
    const x = new ShadowIova(d, d.rcaches !== null, { loaded, prev, depot, width, stride }, profile);
    x.depotOwned = (1 << CLASSES) - 1;
    return x;
  }

  /** An independent copy: both go on with a Tx of their own, so neither writes what they share. */
  fork(): ShadowIova {
    this.tx = new Tx();
    this.depotOwned = 0;
    return new ShadowIova(this, this.rcaches, { loaded: this.loaded.slice(), prev: this.prev.slice(), depot: this.depot.slice(), width: this.width, stride: this.stride }, this.profile);
  }

  /** the size class's depot, this copy's own to write */
  private depotOf(order: number): Stack[] {
    if (!(this.depotOwned & (1 << order))) {
      this.depot[order] = this.depot[order].slice();
      this.depotOwned |= 1 << order;
    }
    return this.depot[order];
  }

  private has(order: number, cpu: number): boolean {
    return order < CLASSES && this.rcaches && cpu < this.width[order];
  }

  private swap(slot: number): void {
    const t = this.loaded[slot];
    this.loaded[slot] = this.prev[slot];
    this.prev[slot] = t;
  }

  /** iova.c iova_rcache_get: as kernel/iova/rcache.ts iovaRcacheGet. */
  private rcacheGet(rounded: number, limitPfn: number, cpu: number): number {
    const order = orderBase2(rounded);
    if (!this.has(order, cpu)) return 0;
    const slot = order * this.stride + cpu;
    if (this.loaded[slot] === null) {
      if (this.prev[slot] !== null) this.swap(slot);
      else if (this.depot[order].length > 0) this.loaded[slot] = this.depotOf(order).pop()!;
      else return 0;
    }
    const m = this.loaded[slot]!;
    const i = magPopIndex(m, limitPfn + 1 - rounded, this.profile.iova.magPop);
    if (i < 0) return 0;
    const pfn = magAt(m, i);
    // iova_magazine_pop: the top element takes the popped slot
    this.loaded[slot] = magRemoveAt(m, i);
    // a pfn of 0 reads as a miss (the start_pfn 0 quirk)
    return pfn;
  }

  /** iova.c iova_rcache_insert with the caller's unrounded size: as kernel/iova/rcache.ts iovaRcacheInsert. */
  private rcacheInsert(pfn: number, size: number, cpu: number): boolean {
    const order = orderBase2(size);
    if (!this.has(order, cpu)) return false;
    const slot = order * this.stride + cpu;
    const cap = this.profile.iova.magSize;
    let dropped: Stack = null;
    if (magSize(this.loaded[slot]) >= cap) {
      if (magSize(this.prev[slot]) < cap) this.swap(slot);
      else {
        const full = this.loaded[slot];
        // 6.1 (array32): a 33rd full magazine is dropped and its pfns freed after the push
        if (this.profile.iova.depot === 'list+trim' || this.depot[order].length < MAX_GLOBAL_MAGS) this.depotOf(order).push(full);
        else dropped = full;
        this.loaded[slot] = null;
      }
    }
    this.loaded[slot] = magPush(this.loaded[slot], pfn);
    if (dropped !== null) for (const p of magToArray(dropped)) this.freeIova(p);
    return true;
  }

  /** iova.c alloc_iova(size_aligned) on the rbtree; null when nothing fits. */
  private allocIova(size: number, limitPfn: number): number | null {
    const r = allocAndInsertIovaRange(this, this.profile.iova, size, limitPfn + 1, true);
    if (r.pfnLo === null) {
      if (!r.fastFail && this.profile.iova.max32) this.max32AllocSize = size;
      return null;
    }
    const hi = r.pfnLo + size - 1;
    const p = cachedNodeInsertUpdate(this, r.pfnLo, hi);
    this.nodes = this.nodes.set(r.pfnLo, hi, this.tx);
    this.cachedNode = pointer(p.cachedNode);
    this.cached32Node = pointer(p.cached32Node);
    return r.pfnLo;
  }

  /** iova.c free_iova: the node holding pfn leaves the tree (the cached-node update first). */
  freeIova(pfn: number): void {
    const lo = this.nodes.floorKey(pfn);
    if (lo === undefined) return;
    const hi = this.nodes.get(lo)!;
    if (hi < pfn) return;
    const u = cachedNodeDeleteUpdate(this, lo, hi);
    this.nodes = this.nodes.delete(lo, this.tx);
    this.cachedNode = pointer(u.cachedNode);
    this.cached32Node = pointer(u.cached32Node);
    this.max32AllocSize = u.max32AllocSize;
  }

  /** The flush alloc_iova_fast does on failure: every CPU's magazines, then (cpu+depot) the depot. */
  private flushRcaches(): void {
    if (!this.rcaches) return;
    for (let cpu = 0; cpu < this.cpus; cpu++)
      for (let order = 0; order < CLASSES; order++) {
        if (cpu >= this.width[order]) continue;
        const slot = order * this.stride + cpu;
        for (const mags of [this.loaded, this.prev]) {
          const m = mags[slot];
          if (m === null) continue;
          mags[slot] = null;
          for (const p of magToArray(m)) this.freeIova(p);
        }
      }
    if (this.profile.iova.flushOnFail !== 'cpu+depot') return;
    for (let order = 0; order < CLASSES; order++)
      while (this.depot[order].length) {
        const d = this.depotOf(order);
        const m = this.profile.iova.depot === 'list+trim' ? d.pop()! : d.shift()!;
        for (const p of magToArray(m)) this.freeIova(p);
      }
  }

  /** iova.c alloc_iova_fast: pfn, or 0 when nothing fits. */
  allocIovaFast(size: number, limitPfn: number, flush: boolean, cpu: number): number {
    const rounded = size < 2 ** (CLASSES - 1) ? roundupPowOfTwo(size) : size;
    const cached = this.rcacheGet(rounded, limitPfn, cpu);
    if (cached) return cached;
    let pfn = this.allocIova(rounded, limitPfn);
    if (pfn === null && flush) {
      this.flushRcaches();
      pfn = this.allocIova(rounded, limitPfn);
    }
    return pfn ?? 0;
  }

  /**
   * An allocation the model did not choose, entered as found. When it was taken on `cpu` (null:
   * the allocation is from before the trace) and the pfn is the top of a magazine the kernel
   * could have popped it from, the copy's magazines are first put where the kernel's must have
   * been (reconcileTop). Otherwise a pfn a CPU's loaded magazine holds
   * leaves it as iova_magazine_pop takes it (the top entry into its slot); a pfn a prev or depot
   * magazine holds leaves it with the magazine's other entries kept in their order (the kernel
   * handed the range out, so no magazine of its holds it: iova.c (6.1, 6.12) __iova_rcache_get
   * pops the pfn it returns and alloc_iova takes a range from the rbtree, never from a magazine;
   * and one left here would come back a second time with the range's next free, as the heavy lazy capture's copies had IOVAs in up to
   * five magazines at once; moving the top entry into its slot instead reorders the magazine the
   * later allocations pop: whole capture 68.9 % instead of 75.9 %); a range starting inside a
   * node the copy holds enters only what lies beyond that node; otherwise a new node, the
   * cached-node hint updated.
   */
  enter(pfn: number, pages: number, cpu: number | null = null): void {
    const rounded = pages < 2 ** (CLASSES - 1) ? roundupPowOfTwo(pages) : pages;
    const order = orderBase2(rounded);
    if (cpu !== null && this.has(order, cpu) && this.reconcileTop(order, pfn, cpu)) return;
    if (order < CLASSES && this.rcaches)
      for (let cpu = 0; cpu < this.width[order]; cpu++) {
        const slot = order * this.stride + cpu;
        const m = this.loaded[slot];
        const i = magIndexOf(m, pfn);
        if (i < 0) continue;
        this.loaded[slot] = magRemoveAt(m!, i);
        return;
      }
    if (order < CLASSES && this.rcaches && this.uncache(order, pfn)) return;
    const lo = this.nodes.floorKey(pfn);
    if (lo !== undefined && this.nodes.get(lo)! >= pfn) {
      const after = this.nodes.get(lo)! + 1;
      if (after < pfn + pages) this.enter(after, pfn + pages - after);
      return;
    }
    const hi = pfn + rounded - 1;
    const p = cachedNodeInsertUpdate(this, pfn, hi);
    this.nodes = this.nodes.set(pfn, hi, this.tx);
    this.cachedNode = pointer(p.cachedNode);
    this.cached32Node = pointer(p.cached32Node);
  }

  /**
   * Where this copy holds pfn, read before an allocation the model did not choose is entered as
   * found. The kernel handed it out from the top of `cpu`'s loaded magazine (after a swap with
   * prev, or a depot magazine popped into loaded), else from the rbtree (iova.c (6.12)
   * __iova_rcache_get, iova_magazine_pop; alloc_iova_fast): the answer says which part of the
   * copy's rcache or tree disagreed with the kernel's.
   */
  heldIn(pfn: number, pages: number, cpu: number): HeldIn {
    const rounded = pages < 2 ** (CLASSES - 1) ? roundupPowOfTwo(pages) : pages;
    const order = orderBase2(rounded);
    if (order < CLASSES && this.rcaches) {
      for (let c = 0; c < this.width[order]; c++) {
        const slot = order * this.stride + c;
        if (magIndexOf(this.loaded[slot], pfn) >= 0) return c === cpu ? 'loaded' : 'other-cpu';
        if (magIndexOf(this.prev[slot], pfn) >= 0) return c === cpu ? 'prev' : 'other-cpu';
      }
      for (const m of this.depot[order]) if (magIndexOf(m, pfn) >= 0) return 'depot';
    }
    const lo = this.nodes.floorKey(pfn);
    return lo !== undefined && this.nodes.get(lo)! >= pfn ? 'node' : 'free';
  }

  /**
   * The kernel handed out pfn on `cpu` from its rcache: iova.c (6.12) __iova_rcache_get pops the
   * top of the CPU's loaded magazine, after swapping prev in when loaded is empty
   * (iova_magazine_pop takes the top when it fits the limit). A copy that holds pfn at the top
   * of a magazine other than `cpu`'s loaded had that magazine in the wrong place:
   * - the top of `cpu`'s prev while its loaded is not empty: the two are the other way round
   *   (the copy filled and swapped them at other points than the kernel): they swap, then pfn
   *   leaves the new loaded;
   * - the top of another CPU's loaded or prev: the batch it holds was freed on `cpu` in the
   *   kernel (a flush-queue timer run, or a ring freed by an unmap, on the other CPU than the
   *   copy's; dma-iommu.c (6.12) fq_flush_timeout and fq_ring_free_locked free into the running
   *   CPU's rcache through free_iova_fast): that magazine becomes `cpu`'s loaded and `cpu`'s
   *   loaded takes its slot, then pfn leaves it.
   * Measured on the heavy lazy capture's first 500,000 lines: 101407 -> 103609 -> 106353 of
   * 125006 maps predicted (81.1 -> 82.9 -> 85.1 %). Moving entries above a deeper pfn elsewhere,
   * or the depot's newest magazine into loaded (the kernel's rule when loaded and prev are
   * empty), lowered it (71-80 %): there the copy has the kernel's entries in another order, not
   * in another place (docs/attribution.md). False: nothing done.
   */
  private reconcileTop(order: number, pfn: number, cpu: number): boolean {
    const slot = order * this.stride + cpu;
    const prev = this.prev[slot];
    if (prev !== null && prev.pfn === pfn && this.loaded[slot] !== null) {
      this.swap(slot);
      this.loaded[slot] = prev.below;
      return true;
    }
    for (let c = 0; c < this.width[order]; c++) {
      if (c === cpu) continue;
      const other = order * this.stride + c;
      for (const mags of [this.loaded, this.prev]) {
        const m = mags[other];
        if (m === null || m.pfn !== pfn) continue;
        mags[other] = this.loaded[slot];
        this.loaded[slot] = m.below;
        return true;
      }
    }
    return false;
  }

  /** whether dropPhantoms(pages, cpu) has anything to drop (it changes nothing when not) */
  holdsCached(pages: number, cpu: number): boolean {
    const rounded = pages < 2 ** (CLASSES - 1) ? roundupPowOfTwo(pages) : pages;
    const order = orderBase2(rounded);
    if (!this.has(order, cpu)) return false;
    const slot = order * this.stride + cpu;
    return this.loaded[slot] !== null || this.prev[slot] !== null;
  }

  /** pfn out of a prev or depot magazine of the size class (the newest depot magazine first), the others' order kept; false: none holds it */
  private uncache(order: number, pfn: number): boolean {
    for (let cpu = 0; cpu < this.width[order]; cpu++) {
      const slot = order * this.stride + cpu;
      const i = magIndexOf(this.prev[slot], pfn);
      if (i < 0) continue;
      this.prev[slot] = magWithout(this.prev[slot]!, i);
      return true;
    }
    for (let k = this.depot[order].length - 1; k >= 0; k--) {
      const i = magIndexOf(this.depot[order][k], pfn);
      if (i < 0) continue;
      const d = this.depotOf(order);
      const m = magWithout(d[k]!, i);
      if (m === null) d.splice(k, 1);
      else d[k] = m;
      return true;
    }
    return false;
  }

  /** As phantoms.ts dropPhantoms: `cpu`'s magazines of the size class of `pages` emptied, their nodes freed. */
  dropPhantoms(pages: number, cpu: number, live: ReadonlySet<number>): boolean {
    const rounded = pages < 2 ** (CLASSES - 1) ? roundupPowOfTwo(pages) : pages;
    const order = orderBase2(rounded);
    if (!this.has(order, cpu)) return false;
    const slot = order * this.stride + cpu;
    if (this.loaded[slot] === null && this.prev[slot] === null) return false;
    const pfns = [...magToArray(this.loaded[slot]), ...magToArray(this.prev[slot])];
    this.loaded[slot] = null;
    this.prev[slot] = null;
    for (const p of pfns) {
      if (live.has(p)) continue;
      const lo = this.nodes.floorKey(p);
      if (lo !== p) continue;
      const h = phantomLeaves(this, lo, this.nodes.get(lo)!);
      this.nodes = this.nodes.delete(lo, this.tx);
      this.cachedNode = pointer(h.cachedNode);
      this.cached32Node = pointer(h.cached32Node);
    }
    return true;
  }

  /** iova.c free_iova_fast on `cpu`: its rcache, else the rbtree. */
  freeIovaFast(pfn: number, size: number, cpu: number): void {
    if (!this.rcacheInsert(pfn, size, cpu)) this.freeIova(pfn);
  }

  /**
   * dma-iommu.c iommu_dma_alloc_iova for `pages` under `dmaLimit` (a 48-bit forced aperture, no
   * bus limit): as kernel/dma/alloc-iova.ts iommuDmaAllocIova.
   */
  dmaAllocIova(pages: number, dmaLimit: bigint, dev: ShadowDevice, cpu: number): ShadowAlloc {
    const l = limitOf(dmaLimit);
    if (this.profile.dma.iovaApi === 'alloc_iova') return { pfn: this.allocIova(pages, l.pfn) ?? 0, tried32: false };
    const rule = this.profile.dma.pci32;
    let tried32 = false;
    let pfn = 0;
    if (l.above32 && (rule === 'every-time' ? dev.pci : rule === 'sticky-per-device' && dev.pci32Workaround)) {
      tried32 = true;
      pfn = this.allocIovaFast(pages, PFN_32, false, cpu);
    }
    if (!pfn) pfn = this.allocIovaFast(pages, l.pfn, true, cpu);
    return { pfn, tried32 };
  }
}
