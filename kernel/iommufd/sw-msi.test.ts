import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { linux73 } from '../profiles/linux-7.3.js';

const DEV = '0000:00:08.0';

function maps(events: readonly IommuEvent[]): [number, bigint, bigint, number | null][] {
  return events.flatMap((e) => (e.type === 'Mapped' ? [[e.domain, e.iova, e.paddr, e.prot] as [number, bigint, bigint, number | null]] : []));
}

function iommufd(p = linux73) {
  const m = new KernelModel(p, ARM_SMMU_V3);
  m.run({ op: 'probe', device: DEV });
  const a = m.run({ op: 'alloc_domain', type: 'UNMANAGED', owner: 'iommufd' }).value as number;
  const b = m.run({ op: 'alloc_domain', type: 'UNMANAGED', owner: 'iommufd' }).value as number;
  return { m, a, b };
}

describe('iommufd sw_msi (reference §2.8)', () => {
  it('7.3: fd-global table, IOVA = sw_msi_start + pgoff * PAGE_SIZE, prot READ|WRITE|MMIO', () => {
    const { m, a } = iommufd();
    m.run({ op: 'attach', device: DEV, domain: a });
    expect(maps(m.run({ op: 'msi_enable', device: DEV, doorbell: 0x8090040n }).events)).toEqual([[a, 0x8000000n, 0x8090000n, 1 | 2 | 16]]);
    expect(maps(m.run({ op: 'msi_enable', device: DEV, doorbell: 0x80a0040n }).events)).toEqual([[a, 0x8001000n, 0x80a0000n, 1 | 2 | 16]]);
    expect(m.run({ op: 'msi_enable', device: DEV, doorbell: 0x8090044n }).value).toEqual({ iova: 0x8000044n, errno: null });
  });

  it('7.3: attaching the group to another domain installs every doorbell it requires there first, at the same IOVAs', () => {
    const { m, a, b } = iommufd();
    m.run({ op: 'attach', device: DEV, domain: a });
    m.run({ op: 'msi_enable', device: DEV, doorbell: 0x8090040n });
    m.run({ op: 'msi_enable', device: DEV, doorbell: 0x80a0040n });
    const r = m.run({ op: 'attach', device: DEV, domain: b });
    expect(maps(r.events).map(([d, iova, pa]) => [d, iova, pa]).sort()).toEqual([
      [b, 0x8000000n, 0x8090000n],
      [b, 0x8001000n, 0x80a0000n],
    ]);
  });

  it('6.12: iommufd gives each paging domain its own MSI cookie at attach (bump pointer per domain)', () => {
    const { m, a, b } = iommufd(linux612);
    m.run({ op: 'attach', device: DEV, domain: a });
    m.run({ op: 'msi_enable', device: DEV, doorbell: 0x80a0040n });
    expect(maps(m.run({ op: 'msi_enable', device: DEV, doorbell: 0x8090040n }).events)).toEqual([[a, 0x8001000n, 0x8090000n, 2 | 8 | 16]]);
    m.run({ op: 'attach', device: DEV, domain: b });
    // a fresh cookie: the first doorbell in b takes the window base, whatever a did
    expect(maps(m.run({ op: 'msi_enable', device: DEV, doorbell: 0x8090040n }).events)).toEqual([[b, 0x8000000n, 0x8090000n, 2 | 8 | 16]]);
  });

  it('7.3: a nested hwpt maps its doorbell into the stage-2 parent', () => {
    const m = new KernelModel(linux73, ARM_SMMU_V3);
    m.run({ op: 'probe', device: DEV });
    const s2 = m.run({ op: 'alloc_domain', type: 'UNMANAGED', owner: 'iommufd' }).value as number;
    const s1 = m.run({ op: 'alloc_domain', type: 'NESTED', owner: 'iommufd', parent: s2 }).value as number;
    m.run({ op: 'attach', device: DEV, domain: s1 });
    expect(maps(m.run({ op: 'msi_enable', device: DEV, doorbell: 0x8090040n }).events)).toEqual([[s2, 0x8000000n, 0x8090000n, 1 | 2 | 16]]);
  });
});
