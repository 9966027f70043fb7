// Short histories whose outcome after a point depends on what a check saved there rather than
// on the state: a resumed run only reports like a run from the start if the saved part carries
// it across (test-support/resume.ts checkpoints them at every event).
import { DeviceAttached, type IommuEvent, MsiPageGot } from '../../domain-events/index.js';
import { base, DEV, dma, domain, map, P, unmap } from './scenarios.js';

export interface History {
  readonly name: string;
  /** the check the history is about, and how many findings it has after the first event */
  readonly check: string;
  readonly findings: number;
  readonly events: IommuEvent[];
}

const A = 0xfffff000n;

export const HISTORIES: readonly History[] = [
  {
    // the domain a finding names is the first to have mapped the page, not the lowest id
    name: 'a page shared by four domains, mapped in the order 2, 1, 3, 4',
    check: 'iommu/phys-shared',
    findings: 3,
    events: [domain(1, { group: 1 }), domain(2, { group: 2 }), domain(3, { group: 3 }), domain(4, { group: 4 }), map(0x10000n, P, 0x1000n, 2), map(0x10000n, P, 0x1000n, 1), map(0x10000n, P, 0x1000n, 3), map(0x20000n, P, 0x1000n, 4)],
  },
  {
    // once reported, a pair sharing a page is not reported again
    name: 'a page shared by the same two domains twice',
    check: 'iommu/phys-shared',
    findings: 1,
    events: [domain(1, { group: 1 }), domain(2, { group: 2 }), map(0x10000n, P, 0x1000n, 1), map(0x10000n, P, 0x1000n, 2), unmap(0x10000n, 0x1000n, 0x1000n, 2), map(0x30000n, P, 0x1000n, 2)],
  },
  {
    // a SKIP_CPU_SYNC mapping holds no cacheline: the next mapping of the line is not reported
    name: 'a cacheline mapped with SKIP_CPU_SYNC, then without it',
    check: 'dma-api/cacheline-overlap',
    findings: 1,
    events: [
      ...base(),
      dma('map_page', { dmaAddr: A, phys: P, size: 0x40n, dir: 'FROM_DEVICE', attrs: 'SKIP_CPU_SYNC' }),
      dma('map_page', { dmaAddr: A - 0x1000n, phys: P + 0x10n, size: 0x10n, dir: 'FROM_DEVICE' }),
      dma('unmap_page', { dmaAddr: A, size: 0x40n, dir: 'FROM_DEVICE' }),
      dma('map_page', { dmaAddr: A - 0x2000n, phys: P + 0x20n, size: 0x10n, dir: 'FROM_DEVICE' }),
    ],
  },
  {
    // the device moved to a domain without its doorbell: reported when it moves on, and at the end
    name: 'a device attached twice where its doorbell is not mapped',
    check: 'iommu/msi-no-doorbell',
    findings: 2,
    events: [
      ...base(),
      MsiPageGot.make({ domain: 1, device: DEV, doorbell: 0x8090000n, iova: 0xfffff000n, cookie: 'dma', reused: false, refcount: 0 }),
      domain(2, { type: 'UNMANAGED', group: null }),
      domain(3, { type: 'UNMANAGED', group: null }),
      DeviceAttached.make({ device: DEV, domain: 2, errno: null }),
      map(0x10000n, P, 0x1000n, 2),
      DeviceAttached.make({ device: DEV, domain: 3, errno: null }),
      map(0x10000n, P, 0x1000n, 3),
    ],
  },
];

export function stampedHistory(h: History): IommuEvent[] {
  return h.events.map((e, i) => ({ ...e, seq: i, line: i + 1, src: 'history' }) as IommuEvent);
}
