// arm_lpae_unmap_pages / __arm_lpae_unmap / arm_lpae_split_blk_unmap (io-pgtable-arm.c).
// Returns bytes unmapped; the caller records them as an Unmapped event, whose range the reducer
// removes (carving what a split leaves behind into next-level leaves).
import { PgtableTableAllocated, PgtableTableFreed } from '../../domain-events/index.js';
import { ARM_LPAE_MAX_LEVELS, blockSize, type LpaeGeometry, lvlIdx, ptesPerTable } from './arm-lpae-geometry.js';
import { alignDown, entryAt } from './arm-lpae-walk.js';
import { type PgtableCtx } from './ctx.js';

export function armLpaeUnmapPages(ctx: PgtableCtx, g: LpaeGeometry, iova: bigint, pgsize: bigint, pgcount: number): bigint {
  if (pgsize === 0n || (pgsize & g.pgsizeBitmap) !== pgsize || pgcount === 0) {
    ctx.warn++;
    return 0n;
  }
  if (iova >> BigInt(g.ias) !== 0n) {
    ctx.warn++;
    return 0n;
  }
  return unmapAt(ctx, g, iova, pgsize, pgcount, g.startLevel);
}

function unmapAt(ctx: PgtableCtx, g: LpaeGeometry, iova: bigint, size: bigint, pgcount: number, lvl: number): bigint {
  if (lvl === ARM_LPAE_MAX_LEVELS) {
    ctx.warn++;
    return 0n;
  }
  const e = entryAt(ctx.pt, g, lvl, iova);
  if (e.kind === 'empty') {
    ctx.warn++;
    return 0n;
  }
  if (size === blockSize(g, lvl)) return clearEntries(ctx, g, iova, size, pgcount, lvl);
  if (e.kind === 'leaf') return splitBlkUnmap(ctx, g, iova, size, pgcount, lvl + 1);
  return unmapAt(ctx, g, iova, size, pgcount, lvl + 1);
}

/** The entries at the level whose block size is `size`: leaves queued for TLB invalidation, tables flushed and freed. */
function clearEntries(ctx: PgtableCtx, g: LpaeGeometry, iova: bigint, size: bigint, pgcount: number, lvl: number): bigint {
  const n = Math.min(pgcount, ptesPerTable(g, lvl) - lvlIdx(g, iova, lvl));
  const addPageForTables = ctx.profile.pgtable.armTableUnmapTlb === 'walk+add_page';
  const base = alignDown(iova, size);
  let i = 0;
  for (; i < n; i++) {
    const at = base + BigInt(i) * size;
    const e = entryAt(ctx.pt, g, lvl, at);
    if (e.kind === 'empty') {
      ctx.warn++;
      break;
    }
    if (e.kind === 'table') {
      ctx.tlb.flushWalk++;
      // io-pgtable-arm.c (6.12): every cleared entry gets tlb_add_page; 6.1 only flushes the walk
      if (addPageForTables && !ctx.gatherQueued) ctx.tlb.addPage++;
      ctx.emit(PgtableTableFreed.make({ domain: ctx.domain, level: lvl + 1, iova: at, size }, ctx.meta));
    } else if (!ctx.gatherQueued) ctx.tlb.addPage++; // iommu_iotlb_gather_queued: the flush queue invalidates later
  }
  return BigInt(i) * size;
}

/**
 * A leaf larger than the unmap: split it into a table of next-level leaves minus the part being
 * unmapped (≤ 6.13), or refuse (6.14+: WARN_ONCE "Unmap of a partial large IOPTE is not allowed").
 */
function splitBlkUnmap(ctx: PgtableCtx, g: LpaeGeometry, iova: bigint, size: bigint, pgcount: number, lvl: number): bigint {
  if (ctx.profile.pgtable.splitOnUnmap === 'refuse') {
    ctx.warn++;
    return 0n;
  }
  if (lvl === ARM_LPAE_MAX_LEVELS) {
    ctx.warn++;
    return 0n;
  }
  const parentSize = blockSize(g, lvl - 1);
  ctx.emit(PgtableTableAllocated.make({ domain: ctx.domain, level: lvl, iova: alignDown(iova, parentSize), size: parentSize }, ctx.meta));
  const splitSz = blockSize(g, lvl);
  if (size === splitSz) {
    const n = Math.min(pgcount, ptesPerTable(g, lvl) - lvlIdx(g, iova, lvl));
    ctx.tlb.addPage += n;
    return BigInt(n) * size;
  }
  // the new table holds next-level blocks: go on splitting inside it
  return splitBlkUnmap(ctx, g, iova, size, pgcount, lvl + 1);
}
