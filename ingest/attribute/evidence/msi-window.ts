// A map into a group's software-MSI window (arm64: the `msi` reserved region, 0x8000000 1 MiB on
// SMMUv3) while the group is in an UNMANAGED domain: dma-iommu.c (6.1, 6.12)
// iommu_dma_get_msi_page places the doorbell of an MSI-cookie domain (VFIO) there itself.
import { type MapRecord } from '../window.js';
import { type Scene, type Settled } from './scene.js';

export function msiWindow(s: Scene, r: MapRecord): Settled | null {
  if (s.capture.arch !== 'arm64') return null;
  const end = r.iova + r.size - 1n;
  for (const g of s.capture.groups)
    for (const reg of g.regions) {
      if (reg.kind !== 'msi' || r.iova < reg.start || end > reg.end) continue;
      const cur = s.book.current.get(g.id);
      if (cur && cur.type === 'UNMANAGED') return { domain: cur, conf: 0.95, how: 'msi-window' };
    }
  return null;
}
