// mappings-at-free leaves MSI doorbell pages out: iommu_put_dma_cookie (dma-iommu.c 6.1, 6.12)
// drops them unmapped with the domain, on every VFIO domain that had MSIs.
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { KernelModel } from '../../kernel/machine/machine.js';
import { ARM_SMMU_V3 } from '../../kernel/machine/platform.js';
import { linux612 } from '../../kernel/profiles/linux-6.12.js';
import { runChecks } from '../index.js';

function vfioRun(leaveUserMap: boolean): IommuEvent[] {
  const m = new KernelModel(linux612, ARM_SMMU_V3);
  m.seqCounter = { next: 0 };
  const ev: IommuEvent[] = [];
  const run = (c: Parameters<KernelModel['run']>[0]) => ev.push(...m.run(c).events);
  run({ op: 'probe', device: '0000:00:08.0' });
  run({ op: 'vfio_group_set_container', device: '0000:00:08.0', container: 'c' });
  run({ op: 'vfio_set_iommu', container: 'c' });
  run({ op: 'vfio_dma_map', container: 'c', iova: 0x100000000n, size: 0x200000n, paddr: 0x48600000n });
  run({ op: 'msi_enable', device: '0000:00:08.0', doorbell: 0x8090040n });
  if (!leaveUserMap) run({ op: 'vfio_dma_unmap', container: 'c', iova: 0x100000000n, size: 0x200000n });
  run({ op: 'vfio_group_unset_container', device: '0000:00:08.0' });
  return ev;
}

const findings = (ev: IommuEvent[]) => runChecks([ev], { only: ['iommu/mappings-at-free'] }).findings.map((f) => f.message);

describe('iommu/mappings-at-free', () => {
  it('a VFIO domain freed with only its MSI cookie doorbell mapped is not reported', () => {
    expect(findings(vfioRun(false))).toEqual([]);
  });

  it('a mapping besides the doorbell is (the 2 MiB block left behind counts, the doorbell does not)', () => {
    // a container whose last domain goes unmaps its user mappings first (vfio_iommu_unmap_unpin_all):
    // drop that unmap from the history to leave the block mapped at the free
    const ev = vfioRun(true).filter((e) => !(e.type === 'Unmapped' && e.iova === 0x100000000n));
    expect(findings(ev)).toEqual([expect.stringMatching(/still maps 512 page\(s\), first at 0x100000000/)]);
  });
});
