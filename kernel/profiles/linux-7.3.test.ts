// The switches linux-7.3 sets on top of linux-6.12, each as read in 7.3.4's code: given the same
// commands, 7.3 decides differently from 6.12, and the same profile without the switch does not.
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { type Profile } from '../profile.js';
import { linux612 } from './linux-6.12.js';
import { linux73 } from './linux-7.3.js';

const DEV = '0000:00:08.0';

function unmanaged(p: Profile, owner: string): { m: KernelModel; domain: number } {
  const m = new KernelModel(p, ARM_SMMU_V3);
  m.run({ op: 'probe', device: DEV });
  const domain = m.run({ op: 'alloc_domain', type: 'UNMANAGED', owner }).value as number;
  return { m, domain };
}

const shape = (events: readonly IommuEvent[]) =>
  events.map((e) => (e.type === 'MapFailed' ? `MapFailed ${e.errno} mapped=${e.mapped}` : e.type === 'Unmapped' ? `Unmapped size=${e.size} unmapped=${e.unmappedSize}` : e.type));

describe('linux-7.3 against linux-6.12', () => {
  it('a misaligned iommu_map is traced with 0 bytes and unrolled by a 0-byte unmap (iommu.c 7.3.4 iommu_map_nosync)', () => {
    const when = (p: Profile) => {
      const { m, domain } = unmanaged(p, 'vfio');
      return shape(m.run({ op: 'iommu_map', domain, iova: 0x10800n, paddr: 0x40000000n, size: 0x1000n, prot: 3 }).events);
    };
    expect(when(linux73)).toEqual(['MapFailed EINVAL mapped=0', 'Unmapped size=0 unmapped=0']);
    // iommu.c (6.12.117) __iommu_map: the alignment refusal returns before trace_map and the unroll
    expect(when(linux612)).toEqual(['MapFailed EINVAL mapped=0']);
    expect(when({ ...linux73, core: { ...linux73.core, mapTrace: 'on-success' } })).toEqual(['MapFailed EINVAL mapped=0']);
  });

  it('a map refused by the WARN_ON_ONCE checks is neither traced nor unrolled, in 7.3 too', () => {
    const m = new KernelModel(linux73, ARM_SMMU_V3);
    m.run({ op: 'probe', device: DEV });
    const domain = m.run({ op: 'alloc_domain', type: 'IDENTITY' }).value as number;
    expect(shape(m.run({ op: 'iommu_map', domain, iova: 0x10000n, paddr: 0x40000000n, size: 0x1000n, prot: 3 }).events)).toEqual(['MapFailed EINVAL mapped=0']);
  });

  it('an iommufd hwpt already owns its cookie slot: iommu_get_msi_cookie -EEXIST (dma-iommu.c 7.3.4, cookie_type)', () => {
    const when = (p: Profile) => {
      const { m, domain } = unmanaged(p, 'iommufd');
      return m.run({ op: 'get_msi_cookie', domain }).value;
    };
    expect(when(linux73)).toBe('EEXIST');
    // dma-iommu.c (6.12.117): -EEXIST only when domain->iova_cookie is set
    expect(when(linux612)).toBeNull();
    expect(when({ ...linux73, cookieModel: 'typed-pointer' })).toBeNull();
    // a VFIO domain has no owner data: the cookie is granted in both
    const vfio = unmanaged(linux73, 'vfio');
    expect(vfio.m.run({ op: 'get_msi_cookie', domain: vfio.domain }).value).toBeNull();
  });
});
