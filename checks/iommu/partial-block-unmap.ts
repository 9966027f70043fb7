// An unmap that cuts a block (a leaf larger than 4 KiB) in two. io-pgtable-arm.c up to 6.13
// splits it (arm_lpae_split_blk_unmap: the rest is remapped with next-level leaves); from 6.14
// the split is gone and the unmap fails (returns 0). VT-d intel_iommu_unmap instead unmaps the
// whole large page ("cope with horrid API"), more than asked.
import { pagesOf, pfnOf, runEnd } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb } from './live.js';
import { liveRuns } from './live.js';

export const partialBlockUnmap: Check = defineCheck({
  id: 'iommu/partial-block-unmap',
  version: 1,
  severity: 'warning',
  description: 'iommu_unmap of part of a block mapping (split on unmap up to 6.13, refused from 6.14, whole page on VT-d)',
  on: ['Unmapped'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'Unmapped') return;
      const a = pfnOf(e.iova);
      const b = a + pagesOf(e.size);
      for (const r of liveRuns(s, e.domain, e.iova, e.size, e)) {
        const per = r.pgsize / 4096;
        if (per === 1) continue;
        const cutLo = a > r.pfn && (a - r.pfn) % per !== 0;
        const cutHi = b < runEnd(r) && (b - r.pfn) % per !== 0;
        if (!cutLo && !cutHi) continue;
        const fmt = s.pageTables.domains.get(e.domain)?.config?.fmt ?? s.topology.domains[e.domain]?.fmt ?? 'unknown';
        // a bare trace whose architecture nothing showed has no page-table format: both outcomes
        const arm = 'io-pgtable-arm splits the block (arm_lpae_split_blk_unmap, up to 6.13) or refuses it (6.14+)';
        const outcome = fmt.startsWith('VTD') ? 'VT-d unmaps the whole large page' : fmt === 'unknown' ? `VT-d unmaps the whole large page; ${arm} (the architecture is unknown: pass --arch)` : arm;
        emit({
          message: `iommu_unmap: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)} cuts a ${r.pgsize / 1024} KiB leaf at ${hexb(BigInt(r.pfn) << 12n)}: ${outcome}`,
          related: [r.seq],
          domain: e.domain,
          address: e.iova,
        });
        return;
      }
    },
  }),
});
