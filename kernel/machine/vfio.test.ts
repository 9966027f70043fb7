// VFIO type1 containers with several groups (vfio_iommu_type1.c vfio_iommu_type1_attach_group /
// detach_group, container.c, iommu.c group ownership; 6.1.192 and 6.12.117).
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { linux61 } from '../profiles/linux-6.1.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { KernelModel } from './machine.js';
import { ARM_SMMU_V3, INTEL_VTD } from './platform.js';

const A = '0000:00:08.0';
const B = '0000:00:09.0';
const ITS = 0x8090040n;

const attaches = (ev: readonly IommuEvent[]) => ev.filter((e): e is Extract<IommuEvent, { type: 'DeviceAttached' }> => e.type === 'DeviceAttached').map((e) => [e.device, e.domain]);
const maps = (ev: readonly IommuEvent[]) => ev.filter((e): e is Extract<IommuEvent, { type: 'Mapped' }> => e.type === 'Mapped').map((e) => [e.domain, e.iova, e.size]);
const unmaps = (ev: readonly IommuEvent[]) => ev.filter((e): e is Extract<IommuEvent, { type: 'Unmapped' }> => e.type === 'Unmapped').map((e) => [e.domain, e.iova, e.size]);
const freed = (ev: readonly IommuEvent[]) => ev.filter((e) => e.type === 'DomainFreed').map((e) => (e as Extract<IommuEvent, { type: 'DomainFreed' }>).domain);

function machine(profile = linux612, platform = ARM_SMMU_V3) {
  const m = new KernelModel(profile, platform);
  const defA = m.run({ op: 'probe', device: A }).value as number;
  const defB = m.run({ op: 'probe', device: B }).value as number;
  return { m, defA, defB };
}

describe('VFIO type1 container with several groups (6.12)', () => {
  it('one group: claim (blocking), SET_IOMMU (new domain, fgsp probe at IOVA 0, MSI cookie), close (blocking, default): the capture\'s four attach lines', () => {
    const { m, defA } = machine();
    const claim = m.run({ op: 'vfio_group_set_container', device: A, container: 'c' });
    const set = m.run({ op: 'vfio_set_iommu', container: 'c', scratch: 0x4805e000n });
    const blocked = attaches(claim.events)[0][1];
    const vfio = attaches(set.events)[0][1] as number;
    expect(m.state.topology.domains[blocked as number].type).toBe('BLOCKED');
    expect(maps(set.events)).toEqual([[vfio, 0n, 0x2000n]]);
    expect(unmaps(set.events)).toEqual([
      [vfio, 0n, 0x1000n],
      [vfio, 0x1000n, 0x1000n],
    ]);
    expect(set.events.find((e) => e.type === 'MsiCookieGot')).toMatchObject({ domain: vfio, base: 0x8000000n });
    const close = m.run({ op: 'vfio_group_unset_container', device: A });
    expect(attaches(close.events)).toEqual([
      [A, blocked],
      [A, defA],
    ]);
    expect(freed(close.events)).toEqual([vfio]);
  });

  it('a second compatible group: attached to a new domain, back to its blocking domain, into the container\'s domain; the new one is freed', () => {
    const { m, defA, defB } = machine();
    m.run({ op: 'vfio_group_set_container', device: A, container: 'c' });
    const shared = attaches(m.run({ op: 'vfio_set_iommu', container: 'c' }).events)[0][1] as number;
    m.run({ op: 'vfio_dma_map', container: 'c', iova: 0x100000000n, size: 0x200000n, paddr: 0x48600000n });
    expect(m.run({ op: 'msi_enable', device: A, doorbell: ITS }).value).toEqual({ iova: 0x8000040n, errno: null });
    const join = m.run({ op: 'vfio_group_set_container', device: B, container: 'c' });
    const [[, blockedB], [, fresh]] = attaches(join.events);
    // vfio_iommu_type1_attach_group: iommu_attach_group(new), iommu_detach_group, iommu_attach_group(d->domain)
    expect(attaches(join.events)).toEqual([
      [B, blockedB],
      [B, fresh],
      [B, blockedB],
      [B, shared],
    ]);
    expect(fresh).not.toBe(shared);
    expect(freed(join.events)).toEqual([fresh]);
    // no fgsp probe, no replay, no MSI cookie for the group that joined
    expect(maps(join.events)).toEqual([]);
    expect(join.events.some((e) => e.type === 'MsiCookieGot')).toBe(false);
    // one IOVA space: a user map goes to the one domain; one MSI cookie: the doorbell page is shared
    expect(maps(m.run({ op: 'vfio_dma_map', container: 'c', iova: 0x200000n, size: 0x1000n, paddr: 0x42852000n }).events)).toEqual([[shared, 0x200000n, 0x1000n]]);
    const same = m.run({ op: 'msi_enable', device: B, doorbell: ITS });
    expect([same.value, maps(same.events)]).toEqual([{ iova: 0x8000040n, errno: null }, []]);
    expect(m.run({ op: 'msi_enable', device: B, doorbell: 0x80a0040n }).value).toEqual({ iova: 0x8001040n, errno: null });
    // the first group leaves: the domain stays with B; the last one takes it and its mappings along
    const closeA = m.run({ op: 'vfio_group_unset_container', device: A });
    expect(freed(closeA.events)).toEqual([]);
    expect(m.state.topology.devices[A].domain).toBe(defA);
    const closeB = m.run({ op: 'vfio_group_unset_container', device: B });
    expect(attaches(closeB.events)).toEqual([
      [B, blockedB],
      [B, defB],
    ]);
    expect(unmaps(closeB.events)).toEqual([
      [shared, 0x200000n, 0x1000n],
      [shared, 0x100000000n, 0x200000n],
    ]);
    expect(freed(closeB.events)).toEqual([shared]);
    expect([m.state.topology.devices[A].domain, m.state.topology.devices[B].domain]).toEqual([defA, defB]);
  });

  it('both groups in the container before VFIO_SET_IOMMU: the newest group (list head) gets the domain, the other joins it', () => {
    const { m } = machine();
    m.run({ op: 'vfio_group_set_container', device: A, container: 'c' });
    m.run({ op: 'vfio_group_set_container', device: B, container: 'c' });
    const set = m.run({ op: 'vfio_set_iommu', container: 'c' });
    const a = attaches(set.events);
    expect(a.map(([d]) => d)).toEqual([B, A, A, A]);
    expect(a[3][1]).toBe(a[0][1]);
    expect(maps(set.events).map(([d]) => d)).toEqual([a[0][1]]);
  });

  it('a group already in a container, or not in one, is refused (-EINVAL); a group away from its default domain cannot be claimed (-EBUSY)', () => {
    const { m } = machine();
    m.run({ op: 'vfio_group_set_container', device: A, container: 'c' });
    expect(m.run({ op: 'vfio_group_set_container', device: A, container: 'd' }).value).toBe('EINVAL');
    expect(m.run({ op: 'vfio_group_unset_container', device: B }).value).toBe('EINVAL');
    const d = m.run({ op: 'alloc_domain', type: 'UNMANAGED' }).value as number;
    m.run({ op: 'attach', device: B, domain: d });
    expect(m.run({ op: 'vfio_group_set_container', device: B, container: 'c' }).value).toBe('EBUSY');
  });
});

describe('VFIO type1 container (6.1)', () => {
  it('the blocking domain is an empty UNMANAGED domain (6.1 drivers have no BLOCKED type); the attach lines are the same', () => {
    const { m, defB } = machine(linux61, INTEL_VTD);
    m.run({ op: 'vfio_group_set_container', device: A, container: 'c' });
    m.run({ op: 'vfio_set_iommu', container: 'c' });
    const join = m.run({ op: 'vfio_group_set_container', device: B, container: 'c' });
    const [[, blockedB]] = attaches(join.events);
    expect(m.state.topology.domains[blockedB as number]).toMatchObject({ type: 'UNMANAGED', owner: 'blocking' });
    expect(attaches(join.events)).toHaveLength(4);
    expect(join.events.some((e) => e.type === 'DeviceDetached')).toBe(false);
    m.run({ op: 'vfio_group_unset_container', device: B });
    expect(m.state.topology.devices[B].domain).toBe(defB);
  });
});
