// Which MSI doorbell code a profile runs for a device (reference §2.7 table, §3, §9 msi.*):
// the 2016 reserved window for a domain that has one, iommufd's fd-global table (7.2) for
// iommufd-owned domains, else dma-iommu's cookie rules (DMA cookie, MSI cookie, nested rule).
import { type Errno } from '../../domain-events/index.js';
import { iommuDmaPrepareMsi } from '../dma/msi.js';
import { iommufdPagingDomain, iommufdSwMsi } from '../iommufd/sw-msi.js';
import { IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';
import { iommuGetReservedIova, iommuPutReservedIova } from '../reserved/bindings.js';
import { type KernelCtx } from './ctx.js';
import { type IommuPlatform } from './platform.js';

export interface MsiResult {
  readonly iova: bigint | null;
  readonly errno: Errno | null;
}

function reservedDomain(k: KernelCtx, device: string): number | null {
  if (k.profile.msi.reservedSeries !== 'reserved-iova-domain') return null;
  const id = k.state.topology.devices[device]?.domain ?? null;
  return id !== null && k.state.cookies.byDomain[id]?.kind === 'reserved' ? id : null;
}

/** The MSI layer composing/preparing a vector of `device` for the doorbell at `msiAddr`. */
export function msiEnable(k: KernelCtx, p: IommuPlatform, device: string, msiAddr: bigint): MsiResult {
  const rd = reservedDomain(k, device);
  // 2016 series: msi.c binds the doorbell (one u32 register) write-only into the window
  if (rd !== null) return iommuGetReservedIova(k, rd, device, msiAddr, 4n, IOMMU_WRITE);
  if (k.profile.msi.iommufdPlacement === 'iommufd-global' && iommufdPagingDomain(k, device) !== null) return iommufdSwMsi(k, p, device, msiAddr);
  return iommuDmaPrepareMsi(k, device, msiAddr);
}

/**
 * msi_domain_deactivate: the 2016 series puts the binding (v6 by the IOVA it got, v7 by physical
 * address); merged dma-iommu keeps doorbell pages for the life of the cookie, so nothing happens.
 */
export function msiDisable(k: KernelCtx, device: string, msiAddr: bigint, iova: bigint | null): boolean {
  const rd = reservedDomain(k, device);
  if (rd === null) return false;
  if (k.profile.msi.reservedPutKey === 'iova') {
    // the caller hands back the IOVA it was given; without one, the binding's own IOVA
    const g = BigInt(k.state.iova.domains.get(rd)?.granule ?? 4096);
    const page = k.state.cookies.byDomain[rd].msiPages.find((x) => x.doorbell <= msiAddr && msiAddr < x.doorbell + g);
    const key = iova ?? (page ? page.iova + (msiAddr - page.doorbell) : null);
    return key === null ? false : iommuPutReservedIova(k, rd, { iova: key });
  }
  return iommuPutReservedIova(k, rd, { phys: msiAddr });
}
