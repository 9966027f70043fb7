// iommufd's native sw_msi (drivers/iommu/iommufd/driver.c iommufd_sw_msi, v6.15+, verified 7.2;
// reference §2.8): one fd-global table of doorbell pages, IOVA = sw_msi_start + pgoff * PAGE_SIZE,
// the same IOVA in every domain of the fd, installed into a paging domain on first use and into
// every new domain a group attaches to. 6.2–6.14 instead give each iommufd paging domain an MSI
// cookie at attach (iommu_get_msi_cookie(domain, sw_msi_start)).
import { type Errno, MsiPageGot, MsiUntranslated } from '../../domain-events/index.js';
import { iommuMap } from '../core/iommu-map.js';
import { iommuGetMsiCookie } from '../dma/cookie.js';
import { coreDomain } from '../dma/core-domain.js';
import { type KernelCtx } from '../machine/ctx.js';
import { type IommuPlatform } from '../machine/platform.js';
import { IOMMU_MMIO, IOMMU_READ, IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';

const PAGE_SIZE = 4096n;

/** The paging domain an iommufd-owned device's doorbells go to (the stage-2 parent of a nested hwpt). */
export function iommufdPagingDomain(k: KernelCtx, device: string): number | null {
  const id = k.state.topology.devices[device]?.domain ?? null;
  if (id === null) return null;
  const d = k.state.topology.domains[id];
  if (d?.type === 'NESTED') {
    const parent = d.parent === null ? undefined : k.state.topology.domains[d.parent];
    return parent?.owner === 'iommufd' && k.profile.msi.nested !== 'untranslated' ? parent.id : null;
  }
  return d?.owner === 'iommufd' && d.type === 'UNMANAGED' ? id : null;
}

/** The fd-global table: doorbell page → IOVA, from every iommufd doorbell mapped so far. */
function swMsiTable(k: KernelCtx): Map<bigint, bigint> {
  const t = new Map<bigint, bigint>();
  for (const c of Object.values(k.state.cookies.byDomain)) if (c.kind === 'iommufd') for (const p of c.msiPages) t.set(p.doorbell, p.iova);
  return t;
}

function install(k: KernelCtx, domain: number, device: string | null, page: bigint, iova: bigint): Errno | null {
  const have = k.state.cookies.byDomain[domain]?.msiPages.some((p) => p.doorbell === page);
  if (have) {
    k.emit(MsiPageGot.make({ domain, device, doorbell: page, iova, cookie: 'iommufd', reused: true, refcount: 0 }, k.meta));
    return null;
  }
  // iommufd_sw_msi_install: prot READ | WRITE | MMIO (no NOEXEC, unlike dma-iommu)
  const r = k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), iova, page, PAGE_SIZE, IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO));
  if (r.errno) return r.errno;
  k.emit(MsiPageGot.make({ domain, device, doorbell: page, iova, cookie: 'iommufd', reused: false, refcount: 0 }, k.meta));
  return null;
}

/** iommufd_sw_msi(domain, desc, msi_addr): the doorbell IOVA, same in every domain of the fd. */
export function iommufdSwMsi(k: KernelCtx, p: IommuPlatform, device: string, msiAddr: bigint): { iova: bigint | null; errno: Errno | null } {
  const domain = iommufdPagingDomain(k, device)!;
  // no IOMMU_RESV_SW_MSI region: sw_msi_start = PHYS_ADDR_MAX, messages left untranslated
  if (!p.swMsi) {
    k.emit(MsiUntranslated.make({ device, doorbell: msiAddr, domain, reason: 'no sw_msi region' }, k.meta));
    return { iova: null, errno: null };
  }
  const page = msiAddr - (msiAddr % PAGE_SIZE);
  const table = swMsiTable(k);
  let iova = table.get(page);
  if (iova === undefined) {
    // pgoff = 1 + the largest pgoff with the same sw_msi_start (0 for the first)
    let pgoff = -1n;
    for (const v of table.values()) if ((v - p.swMsi.start) / PAGE_SIZE > pgoff) pgoff = (v - p.swMsi.start) / PAGE_SIZE;
    iova = p.swMsi.start + (pgoff + 1n) * PAGE_SIZE;
  }
  const errno = install(k, domain, device, page, iova);
  return errno ? { iova: null, errno } : { iova: iova + (msiAddr % PAGE_SIZE), errno: null };
}

/**
 * At attach of a group to an iommufd paging domain: 6.2–6.14 give the domain an MSI cookie once;
 * 7.2 installs every doorbell the group already requires before the switch.
 */
export function iommufdAttachMsi(k: KernelCtx, p: IommuPlatform, device: string): void {
  const domain = iommufdPagingDomain(k, device);
  if (domain === null || !p.swMsi) return;
  if (k.profile.msi.iommufdPlacement === 'msi-cookie') {
    if (!k.state.cookies.byDomain[domain]) iommuGetMsiCookie(k, domain, p.swMsi.start);
    return;
  }
  const group = k.state.topology.devices[device]?.group ?? null;
  const members = group === null ? [device] : k.state.topology.groups[group].devices;
  const required = new Map<bigint, bigint>();
  for (const c of Object.values(k.state.cookies.byDomain))
    if (c.kind === 'iommufd') for (const pg of c.msiPages) if (pg.devices.some((d) => members.includes(d))) required.set(pg.doorbell, pg.iova);
  for (const [page, iova] of required) install(k, domain, null, page, iova);
}
