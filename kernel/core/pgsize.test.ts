import { describe, expect, it } from 'vitest';
import { iommuPgsize } from './pgsize.js';

const SMMU = 0x40201000n; // 4K | 2M | 1G

describe('iommu_pgsize (iommu.c 6.1 = 6.12)', () => {
  it('splits 4 MiB + 8 KiB at iova 0x1ff000 / pa 0x3ff000 into 1×4K, 2×2M, 1×4K (reference §4.3 example)', () => {
    const chunks: [bigint, bigint][] = [];
    let iova = 0x1ff000n;
    let pa = 0x3ff000n;
    let left = 0x402000n;
    while (left > 0n) {
      const c = iommuPgsize(SMMU, iova, pa, left)!;
      chunks.push([c.pgsize, c.count]);
      const bytes = c.pgsize * c.count;
      iova += bytes;
      pa += bytes;
      left -= bytes;
    }
    expect(chunks).toEqual([
      [0x1000n, 1n],
      [0x200000n, 2n],
      [0x1000n, 1n],
    ]);
  });

  it('never uses a larger page when iova and paddr sit at different offsets in it', () => {
    expect(iommuPgsize(SMMU, 0x200000n, 0x201000n, 0x400000n)).toEqual({ pgsize: 0x1000n, count: 0x400n });
  });

  it('keeps 64-bit addresses exact', () => {
    expect(iommuPgsize(SMMU, 0xfffffffffffff000n, 0x1_0000_0000_0000n, 0x1000n)).toEqual({ pgsize: 0x1000n, count: 1n });
  });
});
