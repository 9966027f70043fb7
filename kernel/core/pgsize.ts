// iommu_pgsize (drivers/iommu/iommu.c, 6.1 = 6.12): the page size of the next chunk of a map or
// unmap, and how many of them before a larger size becomes usable.

function fls(x: bigint): number {
  let n = -1;
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

function ffs(x: bigint): number {
  if (x === 0n) return -1;
  let n = 0;
  while ((x & 1n) === 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

const genmask = (hi: number): bigint => (hi < 0 ? 0n : (1n << BigInt(hi + 1)) - 1n);

export interface PgsizeChoice {
  readonly pgsize: bigint;
  readonly count: bigint;
}

/** null where the kernel would BUG_ON(!pgsizes): no supported size fits (never after the alignment checks). */
export function iommuPgsize(bitmap: bigint, iova: bigint, paddr: bigint, size: bigint): PgsizeChoice | null {
  const addrMerge = iova | paddr;
  // sizes the hardware supports and small enough for the remaining size
  let pgsizes = bitmap & genmask(fls(size));
  // and no larger than the alignment of both addresses
  if (addrMerge !== 0n) pgsizes &= genmask(ffs(addrMerge));
  if (pgsizes === 0n) return null;
  const idx = fls(pgsizes);
  const pgsize = 1n << BigInt(idx);
  let left = size;
  const bigger = bitmap & ~genmask(idx);
  if (bigger !== 0n) {
    const next = 1n << BigInt(ffs(bigger));
    // only worth stopping early if iova and paddr sit at the same offset in the larger page
    if (((iova ^ paddr) & (next - 1n)) === 0n) {
      const offset = next - (addrMerge & (next - 1n));
      if (offset + next <= size) left = offset;
    }
  }
  return { pgsize, count: left >> BigInt(idx) };
}
