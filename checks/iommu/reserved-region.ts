// A map inside a reserved region of a device of the domain. IOMMU_RESV_RESERVED and
// IOMMU_RESV_MSI (the x86 interrupt window 0xfee00000–0xfeefffff: writes there are interrupt
// requests, never translated) must never be mapped; dma-iommu.c (6.1, 6.12) iova_reserve_iommu_regions
// carves them out, and also the host-bridge windows of DMA domains (iova_reserve_pci_windows).
// IOMMU_RESV_SW_MSI is where a cookie maps doorbells and direct regions are meant to be
// identity-mapped, so neither is reported.
import { type RegionState } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { type ShadowState } from '../shadow.js';
import { domainName, hexb } from './live.js';

const ALWAYS = new Set(['reserved', 'msi']);
const DMA_ONLY = new Set(['pci-window', 'pci-dma-gap']);

/** the regions that bind the domain: those of its group and of its attached devices' groups */
export function regionsOf(s: ShadowState, domain: number): RegionState[] {
  const d = s.topology.domains[domain];
  if (d === undefined) return [];
  const groups = new Set<number>();
  if (d.group !== null) groups.add(d.group);
  for (const dev of d.devices) {
    const g = s.topology.devices[dev]?.group;
    if (g !== null && g !== undefined) groups.add(g);
  }
  const dma = d.type === 'DMA' || d.type === 'DMA_FQ';
  return s.topology.regions.filter(
    (r) => (ALWAYS.has(r.kind) || (dma && DMA_ONLY.has(r.kind))) && ((r.group !== null && groups.has(r.group)) || (r.device !== null && d.devices.includes(r.device))),
  );
}

export const mapInReservedRegion: Check = defineCheck({
  id: 'iommu/map-in-reserved-region',
  version: 1,
  severity: 'error',
  description: 'iommu_map inside a reserved region (IOMMU_RESV_RESERVED, the MSI window, a host-bridge window of a DMA domain)',
  needs: ['reserved-regions'],
  on: ['Mapped'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'Mapped' || e.size === 0n || s.topology.regions.length === 0) return;
      const last = e.iova + e.size - 1n;
      for (const r of regionsOf(s, e.domain)) {
        if (e.iova > r.end || last < r.start) continue;
        emit({
          message: `iommu_map: [${hexb(e.iova)}, ${hexb(last)}] in ${domainName(s, e.domain)} overlaps the ${r.kind} region [${hexb(r.start)}, ${hexb(r.end)}]${r.kind === 'msi' ? ': DMA writes there are taken as interrupt requests' : ''}`,
          related: [r.seq],
          // the x86 interrupt window is the same for every device: the domain does not matter
          anyDomain: r.kind === 'msi',
          domain: e.domain,
          address: e.iova,
        });
        return;
      }
    },
  }),
});
