// arm_lpae_map_pages / __arm_lpae_map / arm_lpae_init_pte (io-pgtable-arm.c, 6.1 = 6.12).
import { PgtableTableAllocated, PgtableTableFreed } from '../../domain-events/index.js';
import { type Errno, type LeafRun } from '../../domain-events/index.js';
import { ARM_LPAE_MAX_LEVELS, blockSize, type LpaeGeometry, lvlIdx, ptesPerTable } from './arm-lpae-geometry.js';
import { IOMMU_READ, IOMMU_WRITE } from './arm-lpae-pte.js';
import { alignDown, entryAt } from './arm-lpae-walk.js';
import { type PgtableCtx } from './ctx.js';

export interface MapPagesResult {
  readonly errno: Errno | null;
  /** bytes added to *mapped */
  readonly mapped: bigint;
  /** the leaves written, for the Mapped / MapFailed event of the caller */
  readonly leaves: LeafRun[];
}

function fail(errno: Errno, ctx: PgtableCtx, warn: boolean): MapPagesResult {
  if (warn) ctx.warn++;
  return { errno, mapped: 0n, leaves: [] };
}

/** One map_pages call: never crosses the end of the table that holds its first entry. */
export function armLpaeMapPages(ctx: PgtableCtx, g: LpaeGeometry, iova: bigint, paddr: bigint, pgsize: bigint, pgcount: number, prot: number): MapPagesResult {
  // checks in order: pgsize (WARN -EINVAL), address widths (WARN -ERANGE), permission (-EINVAL)
  if (pgsize === 0n || (pgsize & g.pgsizeBitmap) !== pgsize) return fail('EINVAL', ctx, true);
  if (iova >> BigInt(g.ias) !== 0n || paddr >> BigInt(g.oas) !== 0n) return fail('ERANGE', ctx, true);
  if (!(prot & (IOMMU_READ | IOMMU_WRITE))) return fail('EINVAL', ctx, false);
  for (let lvl = g.startLevel; ; lvl++) {
    const size = blockSize(g, lvl);
    if (size === pgsize) return initPte(ctx, g, lvl, iova, paddr, pgsize, pgcount);
    // __arm_lpae_map: tables cannot be allocated at the last level
    if (lvl >= ARM_LPAE_MAX_LEVELS - 1) return fail('EINVAL', ctx, true);
    const e = entryAt(ctx.pt, g, lvl, iova);
    if (e.kind === 'leaf') return fail('EEXIST', ctx, true); // a block is present above: unmap first
    if (e.kind === 'empty') {
      const base = alignDown(iova, size);
      ctx.emit(PgtableTableAllocated.make({ domain: ctx.domain, level: lvl + 1, iova: base, size }, ctx.meta));
    }
  }
}

/**
 * arm_lpae_init_pte: a leaf already there is -EEXIST (nothing written); a table in the way is
 * unmapped and freed first (and stays freed even if a later entry then fails).
 */
function initPte(ctx: PgtableCtx, g: LpaeGeometry, lvl: number, iova: bigint, paddr: bigint, size: bigint, pgcount: number): MapPagesResult {
  const n = Math.min(pgcount, ptesPerTable(g, lvl) - lvlIdx(g, iova, lvl));
  // the entries are found by index: low iova bits below the block size play no part
  const base = alignDown(iova, size);
  for (let i = 0; i < n; i++) {
    const at = base + BigInt(i) * size;
    const e = entryAt(ctx.pt, g, lvl, at);
    if (e.kind === 'leaf') return fail('EEXIST', ctx, true);
    if (e.kind === 'table') {
      // __arm_lpae_unmap(data, NULL gather, …) on the table entry: walk flush, no page add
      ctx.tlb.flushWalk++;
      ctx.emit(PgtableTableFreed.make({ domain: ctx.domain, level: lvl + 1, iova: at, size }, ctx.meta));
    }
  }
  return { errno: null, mapped: BigInt(n) * size, leaves: [{ iova: base, paddr, pgsize: size, count: n }] };
}
