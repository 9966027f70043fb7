// Leaf runs: the live translations of one domain as runs of equal-size leaves, contiguous in
// IOVA and PA, keyed by IOVA pfn (4 KiB units). A 2 MiB block is one run of one leaf; a
// 256 KiB scatter-gather run of 4 KiB pages is one run of 64 leaves.
import { PMap, type Tx } from './pmap.js';

export const PFN_SHIFT = 12n;
const PAGE = 4096;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** address >> 12 as a number (exact: pfns of 64-bit addresses stay below 2^52) */
export function pfnOf(addr: bigint): number {
  return addr <= SAFE ? Math.floor(Number(addr) / PAGE) : Number(addr >> PFN_SHIFT);
}

/** bytes rounded up to 4 KiB pages */
export function pagesOf(bytes: bigint): number {
  return bytes <= SAFE ? Math.ceil(Number(bytes) / PAGE) : Number((bytes + 0xfffn) >> PFN_SHIFT);
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

/** Page sizes of a pgsize_bitmap, largest first, in 4 KiB pages (sizes below 4 KiB ignored). */
export function pageSizesOf(bitmap: bigint): readonly number[] {
  let out = sizeCache.get(bitmap);
  if (out) return out;
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
export function coverRange(pfn: number, end: number, ppfn: number, sizes: readonly number[], prot: number | null, seq: number): Run[] {
  const out: Run[] = [];
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

/** Runs overlapping [a, b), in order. */
export function overlapping(runs: PMap<Run>, a: number, b: number): Run[] {
  const out: Run[] = [];
  // the run at or below a, if it reaches past a; every later key is above a (integer pfns)
  const first = runs.floorValue(a);
  if (first !== undefined && runEnd(first) > a && first.pfn <= b - 1) out.push(first);
  return runs.valuesInRange(a + 1, b - 1, out);
}

export interface RemoveResult {
  readonly runs: PMap<Run>;
  /** pages that were live in [a, b) and are gone now */
  readonly removedPages: number;
}

/**
 * Removes [a, b) from the runs. A leaf only partly inside is split into smaller leaves for the
 * part that stays (the sizes below its own size that the domain supports).
 */
export function removeRange(runs: PMap<Run>, a: number, b: number, sizes: readonly number[], tx: Tx): RemoveResult {
  const exact = runs.get(a);
  if (exact !== undefined && runEnd(exact) === b) return { runs: runs.delete(a, tx), removedPages: b - a };
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
