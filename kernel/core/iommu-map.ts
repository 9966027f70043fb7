// iommu_map / iommu_unmap (drivers/iommu/iommu.c): argument checks per version, the chunk loop
// over iommu_pgsize with short map_pages returns, the unroll of a failed map, and the unmap loop
// that stops at the first 0. One `map` trace line per successful iommu_map (Mapped), one `unmap`
// per checked iommu_unmap (Unmapped) — the unroll's included. 7.3 traces failed maps too
// (MapFailed with the bytes mapped) and unrolls after every refusal past its first checks.
import { type DomainType, type Errno, IotlbFlushed, type LeafRun, MapFailed, Mapped, Unmapped } from '../../domain-events/index.js';
import { type PgtableCtx } from '../pgtable/ctx.js';
import { driverFor } from './driver.js';
import { iommuPgsize } from './pgsize.js';

/** What the core knows of a domain: its type bits and the sizes it can map. */
export interface CoreDomain {
  readonly type: DomainType;
  readonly pgsizeBitmap: bigint;
  /** the driver has map_pages / unmap_pages (false for identity-only drivers) */
  readonly hasMapOps: boolean;
}

/** include/linux/iommu.h __IOMMU_DOMAIN_PAGING */
export function isPaging(t: DomainType): boolean {
  return t === 'UNMANAGED' || t === 'DMA' || t === 'DMA_FQ';
}

function minPagesz(bitmap: bigint): bigint {
  return bitmap & -bitmap;
}

interface Refusal {
  readonly errno: Errno;
  /** refused by iommu_map_nosync's WARN_ON_ONCE, before anything is traced (7.3.4) */
  readonly early: boolean;
}

/** The argument checks of iommu_map, in each version's order (reference §4.3). */
function mapCheck(ctx: PgtableCtx, dom: CoreDomain, iova: bigint, paddr: bigint, size: bigint): Refusal | null {
  const noOps = !dom.hasMapOps || dom.pgsizeBitmap === 0n;
  const paging = isPaging(dom.type);
  switch (ctx.profile.core.mapChecks) {
    case '6.1':
      if (noOps) return { errno: 'ENODEV', early: true };
      if (!paging) return { errno: 'EINVAL', early: true };
      break;
    case '6.12':
      if (!paging) return { errno: 'EINVAL', early: true };
      if (noOps) {
        ctx.warn++;
        return { errno: 'ENODEV', early: true };
      }
      break;
    case '7.3':
      // iommu.c (7.3.4) iommu_map_nosync: WARN_ON_ONCE(!PAGING || !pgsize_bitmap || bad gfp)
      if (!paging || dom.pgsizeBitmap === 0n) {
        ctx.warn++;
        return { errno: 'EINVAL', early: true };
      }
      // __iommu_map_domain_pgtbl: WARN_ON(!ops->map_pages)
      if (!dom.hasMapOps) {
        ctx.warn++;
        return { errno: 'ENODEV', early: false };
      }
      break;
  }
  // "unaligned: iova … pa … size … min_pagesz …"
  if ((iova | paddr | size) % minPagesz(dom.pgsizeBitmap) !== 0n) return { errno: 'EINVAL', early: false };
  return null;
}

export interface MapOutcome {
  readonly errno: Errno | null;
  readonly mapped: bigint;
}

function flushEvent(ctx: PgtableCtx, iova: bigint, size: bigint, before: { addPage: number; flushWalk: number }): void {
  const addPage = ctx.tlb.addPage - before.addPage;
  const flushWalk = ctx.tlb.flushWalk - before.flushWalk;
  if (addPage || flushWalk)
    ctx.emit(IotlbFlushed.make({ domain: ctx.domain, addPage, flushWalk, flushAll: 0, iova, size }, ctx.meta));
}

export function iommuMap(ctx: PgtableCtx, dom: CoreDomain, iova: bigint, paddr: bigint, size: bigint, prot: number): MapOutcome {
  const tlb0 = { ...ctx.tlb };
  const warn0 = ctx.warn;
  const bad = mapCheck(ctx, dom, iova, paddr, size);
  if (bad) {
    ctx.emit(MapFailed.make({ domain: ctx.domain, iova, paddr, size, prot, errno: bad.errno, mapped: 0n, leaves: null, warn: ctx.warn - warn0 }, ctx.meta));
    // iommu.c (7.3.4) iommu_map_nosync: trace_map(iova, paddr, 0), then iommu_unmap(domain, iova, 0)
    if (!bad.early && ctx.profile.core.mapTrace === 'always-bytes-mapped') iommuUnmap(ctx, dom, iova, 0n);
    return { errno: bad.errno, mapped: 0n };
  }
  const drv = driverFor(ctx.pt);
  const leaves: LeafRun[] = [];
  let left = size;
  let at = iova;
  let pa = paddr;
  let errno: Errno | null = null;
  while (left > 0n) {
    const c = iommuPgsize(dom.pgsizeBitmap, at, pa, left)!;
    const r = drv.mapPages(ctx, at, pa, c.pgsize, Number(c.count), prot);
    // iommu.c: pages mapped before an error count, so that the unroll removes them
    left -= r.mapped;
    leaves.push(...r.leaves);
    if (r.errno) {
      errno = r.errno;
      break;
    }
    at += r.mapped;
    pa += r.mapped;
  }
  const mapped = size - left;
  if (errno) {
    ctx.emit(MapFailed.make({ domain: ctx.domain, iova, paddr, size, prot, errno, mapped, leaves, warn: ctx.warn - warn0 }, ctx.meta));
    flushEvent(ctx, iova, size, tlb0);
    // unroll: iommu_unmap of what was mapped (traced, even when that is 0 bytes)
    iommuUnmap(ctx, dom, iova, mapped);
    return { errno, mapped };
  }
  ctx.emit(Mapped.make({ domain: ctx.domain, iova, paddr, size, prot, leaves, warn: ctx.warn - warn0 }, ctx.meta));
  flushEvent(ctx, iova, size, tlb0);
  return { errno: null, mapped };
}

/** iommu_unmap: bytes unmapped; stops at the first chunk the driver could not unmap. */
export function iommuUnmap(ctx: PgtableCtx, dom: CoreDomain, iova: bigint, size: bigint): bigint {
  const tlb0 = { ...ctx.tlb };
  const warn0 = ctx.warn;
  if (!dom.hasMapOps || dom.pgsizeBitmap === 0n || !isPaging(dom.type)) return 0n;
  if ((iova | size) % minPagesz(dom.pgsizeBitmap) !== 0n) {
    // 6.1/6.12: pr_err "unaligned" and no trace; 7.2 traces unmapped_size 0
    if (ctx.profile.core.unmapTraceMisaligned) ctx.emit(Unmapped.make({ domain: ctx.domain, iova, size, unmappedSize: 0n, warn: 0 }, ctx.meta));
    return 0n;
  }
  const drv = driverFor(ctx.pt);
  const from = ctx.events.length;
  let unmapped = 0n;
  let at = iova;
  while (unmapped < size) {
    const c = iommuPgsize(dom.pgsizeBitmap, at, at, size - unmapped)!;
    const n = drv.unmapPages(ctx, at, c.pgsize, Number(c.count));
    if (n === 0n) break;
    ctx.applyLocal(Unmapped.make({ domain: ctx.domain, iova: at, size: n, unmappedSize: n, warn: 0 }, ctx.meta));
    at += n;
    unmapped += n;
  }
  // io-pgtable-arm.c (6.1, 6.12) __arm_lpae_unmap frees a table the unmap emptied inside the same
  // call: the journal gives the call's outcome first and the tables it freed after it, so a replay
  // (and every check) sees the pages leave with the unmap, not before it
  const during = ctx.events.splice(from);
  const freed = during.filter((e) => e.type === 'PgtableTableFreed');
  ctx.events.push(...during.filter((e) => e.type !== 'PgtableTableFreed'));
  ctx.emit(Unmapped.make({ domain: ctx.domain, iova, size, unmappedSize: unmapped, warn: ctx.warn - warn0 }, ctx.meta));
  ctx.events.push(...freed);
  flushEvent(ctx, iova, size, tlb0);
  return unmapped;
}
