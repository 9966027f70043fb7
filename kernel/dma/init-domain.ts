// iommu_dma_init_domain and iova_reserve_iommu_regions (dma-iommu.c): turn a DMA domain's
// geometry into an iova_domain, and carve the device's reserved regions and its host bridge's
// windows out of it.
import { type Errno, MsiPageGot } from '../../domain-events/index.js';
import { initIovaDomain, reserveIova } from '../iova/index.js';
import { type KernelCtx } from '../machine/ctx.js';

export interface ResvRegion {
  readonly start: bigint;
  /** inclusive */
  readonly end: bigint;
  readonly kind: 'direct' | 'direct-relaxable' | 'reserved' | 'msi' | 'sw-msi';
}

export interface InitDomainInput {
  readonly domain: number;
  readonly device: string;
  readonly pci: boolean;
  readonly apertureStart: bigint;
  readonly apertureEnd: bigint;
  readonly forceAperture: boolean;
  readonly pgsizeBitmap: bigint;
  /** arch DMA base (6.1 arm64 passes dma_base; 0 elsewhere) */
  readonly base: bigint;
  readonly cpus: number;
  readonly regions: readonly ResvRegion[];
  /** host bridge MEM windows (bus addresses, inclusive ends) */
  readonly pciWindows: readonly { readonly start: bigint; readonly end: bigint }[];
}

function lowestBit(x: bigint): number {
  let n = 0;
  while (x > 0n && (x & 1n) === 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

/** iommu_dma_init_domain: errno or null. Reservations happen only on the first initialisation. */
export function iommuDmaInitDomain(k: KernelCtx, d: InitDomainInput): Errno | null {
  const cookie = k.state.cookies.byDomain[d.domain];
  if (!cookie || cookie.kind !== 'dma') return 'EINVAL';
  const order = lowestBit(d.pgsizeBitmap);
  const granule = 2 ** order;
  const shift = BigInt(order);
  let basePfn: bigint;
  if (k.profile.dma.startPfn === 'base-and-aperture') {
    // dma-iommu.c (6.1): base from the arch, then clamped to the aperture when it is forced
    basePfn = d.base >> shift > 1n ? d.base >> shift : 1n;
    if (d.forceAperture) {
      if (d.base > d.apertureEnd) return 'EFAULT';
      const ap = d.apertureStart >> shift;
      if (ap > basePfn) basePfn = ap;
    }
  } else {
    // dma-iommu.c (6.12): from the aperture alone
    const ap = d.apertureStart >> shift;
    basePfn = ap > 1n ? ap : 1n;
  }
  const existing = k.state.iova.domains.get(d.domain);
  if (existing) {
    // a second device of the same domain: same granule and start, or "Incompatible range for DMA domain"
    if (existing.granule !== granule || existing.startPfn !== Number(basePfn)) return 'EFAULT';
    return null;
  }
  k.withIova(d.domain, (c) => initIovaDomain(c, granule, Number(basePfn), d.cpus, true));
  reserveRegions(k, d, granule);
  return null;
}

function reserveRegions(k: KernelCtx, d: InitDomainInput, granule: number): void {
  const g = BigInt(granule);
  k.withIova(d.domain, (c) => {
    if (d.pci)
      for (const w of d.pciWindows) reserveIova(c, Number(w.start / g), Number(w.end / g), 'pci-window');
    for (const r of d.regions) {
      // SW_MSI windows are where dma-iommu itself places doorbells: not reserved here
      if (r.kind === 'sw-msi') continue;
      reserveIova(c, Number(r.start / g), Number(r.end / g), r.kind === 'msi' ? 'msi-window' : `resv-${r.kind}`);
    }
  });
  // cookie_init_hw_msi_region: a hardware MSI window is pre-populated 1:1, nothing mapped
  for (const r of d.regions) {
    if (r.kind !== 'msi') continue;
    for (let a = r.start - (r.start % g); a <= r.end; a += g)
      k.emit(MsiPageGot.make({ domain: d.domain, device: null, doorbell: a, iova: a, cookie: 'dma', reused: false, refcount: 0 }, k.meta));
  }
}

