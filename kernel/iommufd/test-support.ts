// Shared set-up for the iommufd tests: devices bound to one IOAS on an arm-smmu-v3, and the
// page-table events of a command in a comparable form.
import { type IommuEvent } from '../../domain-events/index.js';
import { translate } from '../../reducers/index.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3, type IommuPlatform } from '../machine/platform.js';
import { type Profile } from '../profile.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { type PinnedRun } from './iopt.js';

export const A = '0000:00:0a.0';
export const B = '0000:00:0b.0';

type Ev<T extends IommuEvent['type']> = Extract<IommuEvent, { type: T }>;
const of = <T extends IommuEvent['type']>(ev: readonly IommuEvent[], t: T) => ev.filter((e): e is Ev<T> => e.type === t);

/** [domain, iova, paddr, size] of each successful iommu_map */
export const maps = (ev: readonly IommuEvent[]) => of(ev, 'Mapped').map((e) => [e.domain, e.iova, e.paddr, e.size]);
/** [domain, iova, size] of each iommu_unmap call */
export const unmaps = (ev: readonly IommuEvent[]) => of(ev, 'Unmapped').map((e) => [e.domain, e.iova, e.size]);
export const mapFailures = (ev: readonly IommuEvent[]) => of(ev, 'MapFailed').map((e) => [e.domain, e.iova, e.errno]);
/** The kinds of the page-table, attach and domain events, in order. */
export const steps = (ev: readonly IommuEvent[]) =>
  ev.flatMap((e) =>
    e.type === 'Mapped' || e.type === 'Unmapped' || e.type === 'MapFailed' || e.type === 'DomainFreed' || e.type === 'DomainAllocated'
      ? [`${e.type}:${e.domain}`]
      : e.type === 'DeviceAttached'
        ? [`DeviceAttached:${e.device}>${e.domain}`]
        : [],
  );

/** Pages `stride` apart, one page each: no two are contiguous (anonymous memory as pinned). */
export function scattered(n: number, phys: bigint, stride = 0x2000n): PinnedRun[] {
  return Array.from({ length: n }, (_, i) => ({ phys: phys + BigInt(i) * stride, length: 0x1000n }));
}

export function world(opts: { profile?: Profile; platform?: IommuPlatform; devices?: readonly string[] } = {}) {
  const m = new KernelModel(opts.profile ?? linux612, opts.platform ?? ARM_SMMU_V3);
  for (const d of opts.devices ?? [A, B]) {
    m.run({ op: 'probe', device: d });
    m.run({ op: 'iommufd_bind', device: d });
  }
  const ioas = m.run({ op: 'ioas_alloc' }).value as number;
  /** to the IOAS (its automatic hw_pagetable), or to a hw_pagetable by id */
  const attach = (device: string, hwpt?: number) => {
    const r = m.run(hwpt === undefined ? { op: 'iommufd_attach', device, ioas } : { op: 'iommufd_attach', device, hwpt });
    return { ...r, domain: (r.value as { domain: number | null }).domain, errno: (r.value as { errno: string | null }).errno };
  };
  const hwptAlloc = (device = A) => m.run({ op: 'iommufd_hwpt_alloc', device, ioas }).value as { domain: number; errno: null };
  const map = (iova: bigint | undefined, pages: readonly PinnedRun[], size = pages.reduce((s, p) => s + p.length, 0n)) => {
    const r = m.run({ op: 'ioas_map', ioas, size, iova, pages });
    return { ...r, ...(r.value as { iova: bigint | null; errno: string | null }) };
  };
  const unmap = (iova: bigint, size: bigint) => m.run({ op: 'ioas_unmap', ioas, iova, size });
  /** what the domain's page table translates the IOVA to */
  const phys = (domain: number, iova: bigint) => {
    const pt = m.state.pageTables.domains.get(domain);
    return pt ? translate(pt.runs, iova) : null;
  };
  return { m, ioas, attach, hwptAlloc, map, unmap, phys };
}
