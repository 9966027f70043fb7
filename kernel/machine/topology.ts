// Groups, default domains and attach (drivers/iommu/iommu.c): probe creates the group and its
// default domain (type from the profile's strict/lazy choice, the driver, passthrough), maps
// the direct regions, attaches every device of the group and sets up dma-iommu.
import {
  DeviceAddedToGroup,
  DeviceAttached,
  DeviceDetached,
  DeviceDmaConfigured,
  DeviceRemovedFromGroup,
  DomainAllocated,
  DomainFreed,
  type DomainType,
  type Errno,
  GroupCreated,
  InputError,
  PgtableConfigured,
  PgtableTableAllocated,
  ReservedRegionDeclared,
} from '../../domain-events/index.js';
import { iommuMap } from '../core/iommu-map.js';
import { dmaBitMask } from '../dma/alloc-iova.js';
import { iommuGetDmaCookie, iommuPutDmaCookie } from '../dma/cookie.js';
import { coreDomain } from '../dma/core-domain.js';
import { iommuDmaInitDomain, type ResvRegion } from '../dma/init-domain.js';
import { lpaeGeometry } from '../pgtable/arm-lpae-geometry.js';
import { IOMMU_READ, IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';
import { type KernelCommand } from './commands.js';
import { type KernelCtx } from './ctx.js';
import { type IommuPlatform } from './platform.js';

export function nextDomainId(k: KernelCtx): number {
  let max = 0;
  for (const id of Object.keys(k.state.topology.domains)) max = Math.max(max, Number(id));
  return max + 1;
}

function nextGroupId(k: KernelCtx): number {
  const ids = Object.keys(k.state.topology.groups).map(Number);
  return ids.length ? Math.max(...ids) + 1 : 0;
}

/** __iommu_domain_alloc + the page table the driver builds for a paging domain. */
export function allocDomain(k: KernelCtx, p: IommuPlatform, type: DomainType, owner: string, group: number | null, parent: number | null = null): number {
  const id = nextDomainId(k);
  const paging = type === 'DMA' || type === 'DMA_FQ' || type === 'UNMANAGED';
  const geo = p.fmt.startsWith('ARM_') ? lpaeGeometry(p.fmt, p.ias, p.oas, p.pgsizeBitmap) : null;
  const bitmap = paging ? (geo?.pgsizeBitmap ?? p.pgsizeBitmap) : 0n;
  const top = 1n << BigInt(geo?.ias ?? p.ias);
  k.emit(
    DomainAllocated.make(
      { domain: id, domainType: type, apertureStart: 0n, apertureEnd: top - 1n, forceAperture: true, pgsizeBitmap: bitmap, fmt: paging ? p.fmt : 'none', group, parent, owner },
      k.meta,
    ),
  );
  if (!paging) return id;
  const startLevel = geo?.startLevel ?? 0;
  k.emit(
    PgtableConfigured.make({ domain: id, fmt: p.fmt, ias: geo?.ias ?? p.ias, oas: geo?.oas ?? p.oas, granule: Number(bitmap & -bitmap), pgsizeBitmap: bitmap, startLevel, pgdBits: geo?.pgdBits ?? 9 }, k.meta),
    PgtableTableAllocated.make({ domain: id, level: startLevel, iova: 0n, size: top }, k.meta),
  );
  if (type === 'DMA' || type === 'DMA_FQ') iommuGetDmaCookie(k, id);
  return id;
}

/** The default domain type: iommu.passthrough, else strict/lazy, downgraded where the driver forbids a flush queue. */
export function defaultDomainType(k: KernelCtx, p: IommuPlatform, forced?: DomainType): DomainType {
  if (forced) return forced;
  if (k.profile.dma.fq !== 'lazy') return 'DMA';
  // VT-d caching mode forces strict; 6.12+ needs IOMMU_CAP_DEFERRED_FLUSH for DMA_FQ
  if (p.forceStrict || (k.profile.dma.fqNeedsCap && !p.deferredFlush)) return 'DMA';
  return 'DMA_FQ';
}

export function probe(k: KernelCtx, p: IommuPlatform, c: Extract<KernelCommand, { op: 'probe' }>): number {
  if (k.state.topology.devices[c.device]?.group != null) throw new InputError(`probe ${c.device}: already probed`);
  const group = c.group ?? nextGroupId(k);
  const existing = k.state.topology.groups[group];
  if (!existing) k.emit(GroupCreated.make({ group }, k.meta));
  k.emit(DeviceAddedToGroup.make({ device: c.device, group }, k.meta));
  const regions: readonly ResvRegion[] = [...(c.regions ?? []), ...platformRegions(p)];
  for (const r of regions) k.emit(ReservedRegionDeclared.make({ device: c.device, group, start: r.start, end: r.end, kind: r.kind }, k.meta));
  let domain = Object.values(k.state.topology.domains).find((d) => d.group === group && d.owner === 'default' && d.freedSeq === null)?.id;
  if (domain === undefined) {
    domain = allocDomain(k, p, defaultDomainType(k, p, c.defaultDomainType), 'default', group);
    createDirectMappings(k, domain, regions);
  }
  const pci = c.pci ?? true;
  // iommu_setup_dma_ops (6.12): pci_32bit_workaround = PCI && !iommu.forcedac
  k.emit(
    DeviceDmaConfigured.make(
      { device: c.device, pci, dmaMask: dmaBitMask(c.dmaMaskBits ?? 64), coherentDmaMask: dmaBitMask(c.coherentMaskBits ?? c.dmaMaskBits ?? 64), busDmaLimit: 0n, pci32Workaround: pci && k.profile.dma.pci32 !== 'off', coherent: c.coherent ?? true },
      k.meta,
    ),
  );
  k.emit(DeviceAttached.make({ device: c.device, domain, errno: null }, k.meta));
  const d = k.state.topology.domains[domain];
  if (d.type === 'DMA' || d.type === 'DMA_FQ') {
    const errno = iommuDmaInitDomain(k, {
      domain,
      device: c.device,
      pci,
      apertureStart: d.apertureStart,
      apertureEnd: d.apertureEnd,
      forceAperture: d.forceAperture,
      pgsizeBitmap: d.pgsizeBitmap,
      base: 0n,
      cpus: p.cpus,
      regions,
      pciWindows: c.pciWindows ?? [],
    });
    if (errno) k.warn++;
  }
  return domain;
}

/** Regions every device behind this IOMMU reports (the SMMU's software MSI window, the x86 MSI window). */
function platformRegions(p: IommuPlatform): ResvRegion[] {
  const out: ResvRegion[] = [];
  if (p.swMsi) out.push({ start: p.swMsi.start, end: p.swMsi.start + p.swMsi.length - 1n, kind: 'sw-msi' });
  if (p.hwMsi) out.push({ start: p.hwMsi.start, end: p.hwMsi.end, kind: 'msi' });
  return out;
}

/** iommu_create_device_direct_mappings: identity-map DIRECT regions in the new default domain. */
function createDirectMappings(k: KernelCtx, domain: number, regions: readonly ResvRegion[]): void {
  const d = k.state.topology.domains[domain];
  if (d.type !== 'DMA' && d.type !== 'DMA_FQ') return;
  for (const r of regions) {
    if (r.kind !== 'direct' && r.kind !== 'direct-relaxable') continue;
    k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), r.start, r.start, r.end - r.start + 1n, IOMMU_READ | IOMMU_WRITE));
  }
}

/** Attach a domain to the device's group: every device of the group switches (one line each). */
export function attach(k: KernelCtx, device: string, domain: number): Errno | null {
  const dev = k.state.topology.devices[device];
  if (!dev || dev.group === null) throw new InputError(`attach ${device}: device not probed`);
  if (!k.state.topology.domains[domain] || k.state.topology.domains[domain].freedSeq !== null) throw new InputError(`attach ${device}: no domain ${domain}`);
  for (const member of k.state.topology.groups[dev.group].devices) k.emit(DeviceAttached.make({ device: member, domain, errno: null }, k.meta));
  return null;
}

/** Detach: 6.1's legacy detach_dev is traced; later kernels re-attach the default domain. */
export function detach(k: KernelCtx, device: string): void {
  const dev = k.state.topology.devices[device];
  if (!dev || dev.domain === null) return;
  if (k.profile.core.detachEvent && dev.domain !== dev.defaultDomain) k.emit(DeviceDetached.make({ device, domain: dev.domain }, k.meta));
  if (dev.defaultDomain !== null) attach(k, device, dev.defaultDomain);
}

export function freeDomain(k: KernelCtx, domain: number): void {
  iommuPutDmaCookie(k, domain);
  k.emit(DomainFreed.make({ domain }, k.meta));
}

export function remove(k: KernelCtx, device: string): void {
  const dev = k.state.topology.devices[device];
  if (!dev || dev.group === null) return;
  k.emit(DeviceRemovedFromGroup.make({ device, group: dev.group }, k.meta));
}
