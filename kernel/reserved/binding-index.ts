// The reserved bindings of a domain, as the 2016 series indexes them: an rbtree ordered by
// physical address (v6/v7 "reserved_binding_list", struct rb_root), or the plain list Robin
// Murphy asked about in the v7 review (seed 000: "would a simple list not suffice?").
// Bindings never overlap, so both find the same binding; only the walk order differs.
import { type MsiPageState } from '../../reducers/index.js';

export interface ReservedBinding {
  /** physical address, aligned to the window granule */
  readonly addr: bigint;
  readonly iova: bigint;
  readonly size: bigint;
  readonly refcount: number;
}

export interface BindingIndex {
  /** find_reserved_binding: the binding overlapping [lo, lo + size) */
  find(lo: bigint, size: bigint): ReservedBinding | undefined;
  /** every binding, in the order the index walks them (teardown order) */
  all(): readonly ReservedBinding[];
}

function overlaps(b: ReservedBinding, lo: bigint, size: bigint): boolean {
  return lo < b.addr + b.size && b.addr < lo + size;
}

/** dma-reserved-iommu.c find_reserved_binding over the rb tree: left if the range ends at or below the node. */
class RbIndex implements BindingIndex {
  private readonly sorted: ReservedBinding[];
  constructor(bindings: readonly ReservedBinding[]) {
    this.sorted = [...bindings].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  }
  find(lo: bigint, size: bigint): ReservedBinding | undefined {
    // binary descent, as the rbtree walk: go left when [lo, lo+size) ends at or below the node
    let l = 0;
    let r = this.sorted.length - 1;
    while (l <= r) {
      const m = (l + r) >> 1;
      const b = this.sorted[m];
      if (overlaps(b, lo, size)) return b;
      if (lo + size <= b.addr) r = m - 1;
      else l = m + 1;
    }
    return undefined;
  }
  all(): readonly ReservedBinding[] {
    return this.sorted;
  }
}

/** The list alternative: new bindings at the head, linear scan (as the merged msi_page_list). */
class ListIndex implements BindingIndex {
  constructor(private readonly list: readonly ReservedBinding[]) {}
  find(lo: bigint, size: bigint): ReservedBinding | undefined {
    return this.list.find((b) => overlaps(b, lo, size));
  }
  all(): readonly ReservedBinding[] {
    return this.list;
  }
}

/**
 * The index over a cookie's bindings. `pages` is the cookie's list, head first (the reducer keeps
 * the kernel's head insertion); `sizeOf` gives each binding's size from the window allocator.
 */
export function bindingIndex(kind: 'rbtree' | 'list', pages: readonly MsiPageState[], sizeOf: (iova: bigint) => bigint): BindingIndex {
  const bindings = pages.map((p) => ({ addr: p.doorbell, iova: p.iova, size: sizeOf(p.iova), refcount: p.refcount }));
  return kind === 'rbtree' ? new RbIndex(bindings) : new ListIndex(bindings);
}
