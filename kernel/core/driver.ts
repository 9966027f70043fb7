// The page-table side of a domain as the core sees it (iommu_domain_ops map_pages / unmap_pages /
// iova_to_phys), dispatched on the format the domain was configured with.
import { type Errno, type LeafRun } from '../../domain-events/index.js';
import { type DomainPageTable, translate } from '../../reducers/index.js';
import { geometryOf } from '../pgtable/arm-lpae-geometry.js';
import { armLpaeMapPages } from '../pgtable/arm-lpae-map.js';
import { armLpaeUnmapPages } from '../pgtable/arm-lpae-unmap.js';
import { maskIas } from '../pgtable/arm-lpae-walk.js';
import { type PgtableCtx } from '../pgtable/ctx.js';
import { vtdMapPages, vtdUnmapPages } from '../pgtable/vtd.js';

export interface MapPagesOutcome {
  readonly errno: Errno | null;
  readonly mapped: bigint;
  readonly leaves: readonly LeafRun[];
}

export interface DriverOps {
  mapPages(ctx: PgtableCtx, iova: bigint, paddr: bigint, pgsize: bigint, pgcount: number, prot: number): MapPagesOutcome;
  unmapPages(ctx: PgtableCtx, iova: bigint, pgsize: bigint, pgcount: number): bigint;
  iovaToPhys(pt: DomainPageTable, iova: bigint): bigint;
}

const armLpae: DriverOps = {
  mapPages: (ctx, iova, paddr, pgsize, n, prot) => armLpaeMapPages(ctx, geometryOf(ctx.pt.config!), iova, paddr, pgsize, n, prot),
  unmapPages: (ctx, iova, pgsize, n) => armLpaeUnmapPages(ctx, geometryOf(ctx.pt.config!), iova, pgsize, n),
  iovaToPhys: (pt, iova) => translate(pt.runs, maskIas(geometryOf(pt.config!), iova)) ?? 0n,
};

const vtd: DriverOps = {
  mapPages: vtdMapPages,
  unmapPages: vtdUnmapPages,
  iovaToPhys: (pt, iova) => translate(pt.runs, iova) ?? 0n,
};

/** Which driver ops translate this domain. */
export function driverFor(pt: DomainPageTable): DriverOps {
  const fmt = pt.config?.fmt ?? '';
  if (fmt.startsWith('ARM_')) return armLpae;
  return vtd;
}
