// MSI doorbells (dma-iommu.c iommu_dma_prepare_msi / iommu_dma_get_msi_page, 6.1/6.12): the
// doorbell page is mapped once per cookie and reused by every vector and device of the domain.
// A DMA cookie places it with the DMA allocator (device streaming mask, PCI 32-bit first), an
// MSI cookie at its bump pointer; without a cookie the MSI address is used untranslated.
import { type Errno, MsiCookieIovaMoved, MsiPageGot, MsiUntranslated } from '../../domain-events/index.js';
import { iommuMap } from '../core/iommu-map.js';
import { type KernelCtx } from '../machine/ctx.js';
import { IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_READ, IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';
import { iommuDmaFreeIova } from './alloc-iova.js';
import { coreDomain } from './core-domain.js';
import { dmaTarget } from './device.js';
import { allocDmaIova } from './map.js';

const PAGE_SIZE = 4096n;

function msiProt(k: KernelCtx): number {
  return k.profile.msi.prot === 'rw-mmio' ? IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO : IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO;
}

/** The domain whose cookie places the doorbell for this device, per the nested-domain rule. */
function msiDomain(k: KernelCtx, device: string): { domain: number | null; reason: string } {
  const dev = k.state.topology.devices[device];
  const id = dev?.domain ?? null;
  if (id === null) return { domain: null, reason: 'no domain attached' };
  const dom = k.state.topology.domains[id];
  if (dom?.type === 'IDENTITY') return { domain: null, reason: 'identity domain' };
  if (dom?.type === 'NESTED') {
    // ≤ 6.14 the nested domain has no cookie: nothing mapped (the 2023 thread's problem);
    // the proposals map into the stage-2 parent that carries the MSI cookie
    if (k.profile.msi.nested === 'untranslated' || dom.parent === null) return { domain: null, reason: 'nested domain has no cookie' };
    return { domain: dom.parent, reason: 'stage-2 parent' };
  }
  return { domain: id, reason: '' };
}

/** iommu_dma_prepare_msi(desc, msi_addr): the IOVA the device must write to, or null when untranslated. */
export function iommuDmaPrepareMsi(k: KernelCtx, device: string, msiAddr: bigint): { iova: bigint | null; errno: Errno | null } {
  const { domain, reason } = msiDomain(k, device);
  const cookie = domain === null ? undefined : k.state.cookies.byDomain[domain];
  if (domain === null || !cookie) {
    k.emit(MsiUntranslated.make({ device, doorbell: msiAddr, domain, reason: reason || 'domain has no cookie' }, k.meta));
    return { iova: null, errno: null };
  }
  const granule = cookie.kind === 'msi' ? PAGE_SIZE : BigInt(k.state.iova.domains.get(domain)?.granule ?? 4096);
  const page = msiAddr - (msiAddr % granule);
  const found = cookie.msiPages.find((p) => p.doorbell === page);
  if (found) {
    k.emit(MsiPageGot.make({ domain, device, doorbell: page, iova: found.iova, cookie: cookie.kind, reused: true, refcount: 0 }, k.meta));
    return { iova: found.iova + (msiAddr % granule), errno: null };
  }
  let iova: bigint;
  if (cookie.kind === 'msi') {
    iova = cookie.msiNext ?? cookie.msiBase ?? 0n;
    k.emit(MsiCookieIovaMoved.make({ domain, iova, size: granule, next: iova + granule }, k.meta));
  } else {
    iova = allocDmaIova(k, dmaTarget(k.state, device), granule, dmaTarget(k.state, device).dmaMask);
    if (iova === 0n) return { iova: null, errno: 'ENOMEM' };
  }
  const r = k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), iova, page, granule, msiProt(k)));
  if (r.errno) {
    if (cookie.kind === 'msi') k.emit(MsiCookieIovaMoved.make({ domain, iova, size: granule, next: iova }, k.meta));
    else k.withIova(domain, (c) => iommuDmaFreeIova(c, iova, granule));
    return { iova: null, errno: 'ENOMEM' };
  }
  k.emit(MsiPageGot.make({ domain, device, doorbell: page, iova, cookie: cookie.kind, reused: false, refcount: 0 }, k.meta));
  return { iova: iova + (msiAddr % granule), errno: null };
}
