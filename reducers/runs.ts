// Leaf runs: the live translations of one domain as runs of equal-size leaves, contiguous in
// IOVA and PA, keyed by IOVA pfn (4 KiB units). A 2 MiB block is one run of one leaf; a
// 256 KiB scatter-gather run of 4 KiB pages is one run of 64 leaves.
import { PMap, type Tx } from './pmap.js';

export const PFN_SHIFT = 12n;
const PAGE = 4096;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// BigInt -> number conversion is a runtime call (~20 ns) and the reducers and checks convert the
// same event fields (an event's iova, paddr, size) again and again: the last two answers of each
// function are kept (a BigInt compare is a few ns).
let pfnArg0 = 0n;
let pfnVal0 = 0;
let pfnArg1 = 0n;
let pfnVal1 = 0;
let pagesArg0 = 0n;
let pagesVal0 = 0;
let pagesArg1 = 0n;
let pagesVal1 = 0;

/** address >> 12 as a number (exact: pfns of 64-bit addresses stay below 2^52) */
export function pfnOf(addr: bigint): number {
  if (addr === pfnArg0) return pfnVal0;
  if (addr === pfnArg1) return pfnVal1;
  const v = addr <= SAFE ? Math.floor(Number(addr) / PAGE) : Number(addr >> PFN_SHIFT);
  pfnArg1 = pfnArg0;
  pfnVal1 = pfnVal0;
  pfnArg0 = addr;
  pfnVal0 = v;
  return v;
}

/** bytes rounded up to 4 KiB pages */
export function pagesOf(bytes: bigint): number {
  if (bytes === pagesArg0) return pagesVal0;
  if (bytes === pagesArg1) return pagesVal1;
  const v = bytes <= SAFE ? Math.ceil(Number(bytes) / PAGE) : Number((bytes + 0xfffn) >> PFN_SHIFT);
  pagesArg1 = pagesArg0;
  pagesVal1 = pagesVal0;
  pagesArg0 = bytes;
  pagesVal0 = v;
  return v;
}

export interface Run {
  /** IOVA >> 12 of the first leaf */
  readonly pfn: number;
  /** physical address >> 12 of the first leaf */
  readonly ppfn: number;
  /** leaf size in bytes */
  readonly pgsize: number;
  readonly count: number;
  readonly prot: number | null;
  /** the event that wrote these leaves */
  readonly seq: number;
}

export function runPages(r: Run): number {
  return (r.pgsize / PAGE) * r.count;
}

export function runEnd(r: Run): number {
  return r.pfn + runPages(r);
}

const sizeCache = new Map<bigint, readonly number[]>();
let lastBitmap = -1n;
let lastSizes: readonly number[] = [];

/** Page sizes of a pgsize_bitmap, largest first, in 4 KiB pages (sizes below 4 KiB ignored). */
export function pageSizesOf(bitmap: bigint): readonly number[] {
  // a run asks for the same domain's bitmap event after event
  if (bitmap === lastBitmap) return lastSizes;
  let out = sizeCache.get(bitmap);
  if (out) {
    lastBitmap = bitmap;
    lastSizes = out;
    return out;
  }
  const list: number[] = [];
  for (let b = 62; b >= 12; b--) if ((bitmap >> BigInt(b)) & 1n) list.push(2 ** (b - 12));
  out = list.length ? list : [1];
  if (sizeCache.size < 1024) sizeCache.set(bitmap, out);
  return out;
}

/**
 * Covers [pfn, end) -> [ppfn, …) with the largest leaves the sizes allow: the split iommu_map
 * makes (iommu.c iommu_pgsize: the largest size both addresses are aligned to, repeated up to
 * the boundary where the next larger size becomes usable) and the one a block split leaves
 * behind (io-pgtable-arm.c arm_lpae_split_blk_unmap).
 */
export function coverRange(pfn: number, end: number, ppfn: number, sizes: readonly number[], prot: number | null, seq: number, out: Run[] = []): Run[] {
  let at = pfn;
  let pa = ppfn;
  while (at < end) {
    const left = end - at;
    let k = sizes.length - 1;
    for (let i = 0; i < sizes.length; i++) {
      const s = sizes[i];
      if (s <= left && at % s === 0 && pa % s === 0) {
        k = i;
        break;
      }
    }
    const pages = sizes[k] <= left && at % sizes[k] === 0 && pa % sizes[k] === 0 ? sizes[k] : 1;
    let count = Math.floor(left / pages);
    const bigger = pages === sizes[k] && k > 0 ? sizes[k - 1] : 0;
    if (bigger && (at - pa) % bigger === 0) {
      const offset = bigger - (at % bigger);
      if (offset + bigger <= left) count = offset / pages;
    }
    out.push({ pfn: at, ppfn: pa, pgsize: pages * PAGE, count, prot, seq });
    at += pages * count;
    pa += pages * count;
  }
  return out;
}

/** what overlapping() collects into before copying out what overlaps */
const collected: Run[] = [];
/** overlapping()'s answer when nothing overlaps (most maps land on free space): not to be changed */
const NO_RUNS: Run[] = Object.freeze([]) as unknown as Run[];

/** Runs overlapping [a, b), in order (a new array, or a shared frozen empty one). */
export function overlapping(runs: PMap<Run>, a: number, b: number): Run[] {
  const out = runs.valuesFromFloor(a, b - 1, collected);
  // the run at or below a, if it reaches past a; every later key is above a (integer pfns)
  const from = out.length > 0 && out[0].pfn <= a && runEnd(out[0]) <= a ? 1 : 0;
  const found = out.length === from ? NO_RUNS : out.slice(from);
  out.length = 0;
  return found;
}

export interface RemoveResult {
  readonly runs: PMap<Run>;
  /** pages that were live in [a, b) and are gone now */
  readonly removedPages: number;
}

const exactRemoval: RemoveResult = { runs: PMap.empty(), removedPages: 0 };

/**
 * Removes [a, b) from the runs. A leaf only partly inside is split into smaller leaves for the
 * part that stays (the sizes below its own size that the domain supports).
 */
export function removeRange(runs: PMap<Run>, a: number, b: number, sizes: readonly number[], tx: Tx): RemoveResult {
  const exact = runs.get(a);
  if (exact !== undefined && runEnd(exact) === b) {
    // the common case (an unmap of exactly what one map wrote), answered in one reused object:
    // callers read it at once
    const r = exactRemoval as { runs: PMap<Run>; removedPages: number };
    r.runs = runs.delete(a, tx);
    r.removedPages = b - a;
    return r;
  }
  let removed = 0;
  let out = runs;
  for (const r of overlapping(runs, a, b)) {
    out = out.delete(r.pfn, tx);
    const per = r.pgsize / PAGE;
    const end = runEnd(r);
    const lo = Math.max(a, r.pfn);
    const hi = Math.min(b, end);
    removed += hi - lo;
    const smaller = sizes.filter((s) => s < per);
    if (r.pfn < lo) {
      // whole leaves below the cut stay as they are; the leaf the cut falls into is split
      const whole = Math.floor((lo - r.pfn) / per);
      if (whole > 0) out = out.set(r.pfn, { ...r, count: whole }, tx);
      const cutLeaf = r.pfn + whole * per;
      if (cutLeaf < lo)
        for (const x of coverRange(cutLeaf, lo, r.ppfn + whole * per, smaller, r.prot, r.seq)) out = out.set(x.pfn, x, tx);
    }
    if (hi < end) {
      const firstWhole = r.pfn + Math.ceil((hi - r.pfn) / per) * per;
      if (hi < firstWhole)
        for (const x of coverRange(hi, firstWhole, r.ppfn + (hi - r.pfn), smaller, r.prot, r.seq)) out = out.set(x.pfn, x, tx);
      if (firstWhole < end) {
        const skip = (firstWhole - r.pfn) / per;
        out = out.set(firstWhole, { ...r, pfn: firstWhole, ppfn: r.ppfn + skip * per, count: r.count - skip }, tx);
      }
    }
  }
  return { runs: out, removedPages: removed };
}

/** Pages live in [a, b). */
export function livePages(runs: PMap<Run>, a: number, b: number): number {
  let n = 0;
  for (const r of overlapping(runs, a, b)) n += Math.min(b, runEnd(r)) - Math.max(a, r.pfn);
  return n;
}

/** iommu_iova_to_phys: the physical address behind iova, or null when nothing is mapped. */
export function translate(runs: PMap<Run>, iova: bigint): bigint | null {
  const pfn = pfnOf(iova);
  const k = runs.floorKey(pfn);
  if (k === undefined) return null;
  const r = runs.get(k)!;
  if (runEnd(r) <= pfn) return null;
  return (BigInt(r.ppfn + (pfn - r.pfn)) << PFN_SHIFT) | (iova & 0xfffn);
}
