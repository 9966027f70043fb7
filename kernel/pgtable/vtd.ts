// Intel VT-d second-stage tables (drivers/iommu/intel/iommu.c, 6.1): the driver picks page
// sizes itself, mapping over a present PTE keeps the old one (pr_crit "DMA PTE for vPFN … already
// set" + WARN) and succeeds, and an unmap is enlarged to the span of the level where the walk
// stopped and never returns 0 (intel_iommu_unmap: "Cope with horrid API…").
import { type Errno, type LeafRun } from '../../domain-events/index.js';
import { livePages, pfnOf } from '../../reducers/index.js';
import { alignDown, runAt } from './arm-lpae-walk.js';
import { type PgtableCtx } from './ctx.js';

const SP = [0x40000000n, 0x200000n, 0x1000n];
const IOMMU_READ_WRITE = 3;

function supported(ctx: PgtableCtx): bigint[] {
  const bm = ctx.pt.pgsizeBitmap || 0x1000n;
  return SP.filter((s) => (bm & s) !== 0n);
}

/** hardware_largepage_caps: the largest superpage both addresses and the length allow. */
function largestLeaf(sizes: bigint[], iova: bigint, paddr: bigint, left: bigint): bigint {
  for (const s of sizes) if (s <= left && iova % s === 0n && paddr % s === 0n) return s;
  return 0x1000n;
}

export function vtdMapPages(ctx: PgtableCtx, iova: bigint, paddr: bigint, pgsize: bigint, pgcount: number, prot: number): { errno: Errno | null; mapped: bigint; leaves: LeafRun[] } {
  const sizes = supported(ctx);
  if (!sizes.includes(pgsize) || iova % pgsize !== 0n || paddr % pgsize !== 0n) return { errno: 'EINVAL', mapped: 0n, leaves: [] };
  const width = BigInt(ctx.pt.config?.ias ?? 48);
  const size = pgsize * BigInt(pgcount);
  if (iova + size > 1n << width) return { errno: 'EFAULT', mapped: 0n, leaves: [] };
  if (!(prot & IOMMU_READ_WRITE)) return { errno: 'EINVAL', mapped: 0n, leaves: [] };
  // Present PTEs are kept (the written leaves skip them); lower-level tables under a new
  // superpage go with their PTEs (switch_to_super_page).
  const leaves: LeafRun[] = [];
  let at = iova;
  let pa = paddr;
  const end = iova + size;
  while (at < end) {
    const s = largestLeaf(sizes, at, pa, end - at);
    if (livePages(ctx.pt.runs, pfnOf(at), pfnOf(at + s)) > 0) {
      const r = runAt(ctx.pt, at);
      if (s === 0x1000n || (r !== undefined && BigInt(r.pgsize) === s && BigInt(r.pfn) << 12n === at)) {
        ctx.warn++;
        at += s;
        pa += s;
        continue;
      }
    }
    const last = leaves[leaves.length - 1];
    if (last && last.pgsize === s && last.iova + s * BigInt(last.count) === at && last.paddr + s * BigInt(last.count) === pa) leaves[leaves.length - 1] = { ...last, count: last.count + 1 };
    else leaves.push({ iova: at, paddr: pa, pgsize: s, count: 1 });
    at += s;
    pa += s;
  }
  return { errno: null, mapped: size, leaves };
}

/** intel_iommu_unmap_pages: the walk's stopping level decides the span actually cleared. */
export function vtdUnmapPages(ctx: PgtableCtx, iova: bigint, pgsize: bigint, pgcount: number): bigint {
  let size = pgsize * BigInt(pgcount);
  const r = runAt(ctx.pt, iova);
  let span: bigint;
  if (r) span = BigInt(r.pgsize);
  else {
    // a hole: the walk stops where no table exists; tables exist where leaves are near
    const near = (s: bigint) => livePages(ctx.pt.runs, pfnOf(alignDown(iova, s)), pfnOf(alignDown(iova, s) + s)) > 0;
    span = near(0x200000n) ? 0x1000n : near(0x40000000n) ? 0x200000n : 0x40000000n;
  }
  if (size < span) size = span;
  return size;
}

