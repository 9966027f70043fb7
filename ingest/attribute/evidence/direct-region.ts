// Identity maps of a group's direct reserved region (iommu.c (6.1, 6.12)
// iommu_create_device_direct_mappings: iova == paddr over a `direct` or `direct-relaxable`
// region, e.g. the VT-d ISA/floppy workaround's [0, 16 MiB) for the LPC/AHCI group): they
// belong to that group's default domain, created at that point if the trace has not shown it.
import { type MapRecord } from '../window.js';
import { type Scene, type Settled } from './scene.js';

export function directRegion(s: Scene, r: MapRecord): Settled | null {
  if (r.iova !== r.paddr) return null;
  const end = r.iova + r.size - 1n;
  for (const g of s.capture.groups)
    for (const reg of g.regions)
      if ((reg.kind === 'direct' || reg.kind === 'direct-relaxable') && r.iova >= reg.start && end <= reg.end)
        return { domain: s.book.ensureDefault(g.id, { src: null, line: r.at.line, ts: r.at.ts }), conf: 1, how: 'direct-region' };
  return null;
}
