// The check scenarios: for every check, a short event history that provokes it, and the events
// (by position) where it must report. `npm test` keeps fixtures/scenarios/*.jsonl equal to these
// (UPDATE_SCENARIOS=1 rewrites them); the expected findings are written by hand here, never taken
// from a run of the checks.
import {
  DeviceAddedToGroup,
  DeviceAttached,
  DeviceRemovedFromGroup,
  DmaApiCalled,
  DmaCookieGot,
  DmaIovaAllocated,
  DmaIovaFreed,
  DmaIovaLinked,
  DmaIovaUnlinked,
  DomainAllocated,
  DomainFreed,
  EventsLost,
  GroupCreated,
  type IommuEvent,
  IoasidAllocated,
  IoasidFreed,
  IoasidLookedUp,
  IovaAllocated,
  IovaDomainInitialised,
  IovaFreed,
  Mapped,
  MsiPageGot,
  PageFaulted,
  ReservedRegionDeclared,
  Unmapped,
} from '../../domain-events/index.js';

export interface Scenario {
  readonly check: string;
  readonly events: IommuEvent[];
  /** positions of the events the check must report at, in order */
  readonly expect: number[];
}

export const DEV = '0000:00:04.0';
const DEV2 = '0000:00:05.0';

export function domain(id: number, o: { type?: 'DMA' | 'UNMANAGED'; apertureEnd?: bigint; group?: number | null } = {}): IommuEvent {
  return DomainAllocated.make({
    domain: id,
    domainType: o.type ?? 'DMA',
    apertureStart: 0n,
    apertureEnd: o.apertureEnd ?? (1n << 48n) - 1n,
    forceAperture: true,
    pgsizeBitmap: 0x40201000n,
    fmt: 'VTD_SL',
    group: o.group === undefined ? 1 : o.group,
    parent: null,
    owner: o.type === 'UNMANAGED' ? 'vfio' : 'default',
  });
}

/** group 1 with DEV, DMA domain 1 with a cookie, DEV attached */
export function base(o: { apertureEnd?: bigint } = {}): IommuEvent[] {
  return [
    GroupCreated.make({ group: 1 }),
    DeviceAddedToGroup.make({ device: DEV, group: 1 }),
    domain(1, o),
    DmaCookieGot.make({ domain: 1, errno: null }),
    DeviceAttached.make({ device: DEV, domain: 1, errno: null }),
  ];
}

type Dma = Parameters<typeof DmaApiCalled.make>[0];
export function dma(call: Dma['call'], o: Partial<Dma> = {}): IommuEvent {
  return DmaApiCalled.make({ device: DEV, call, dir: 'BIDIRECTIONAL', dmaAddr: null, phys: null, size: null, attrs: '', gfp: null, sg: null, errno: null, domain: 1, ...o });
}

export function map(iova: bigint, paddr: bigint, size: bigint, dom = 1): IommuEvent {
  return Mapped.make({ domain: dom, iova, paddr, size, prot: 3, leaves: null, warn: 0 });
}

export function unmap(iova: bigint, size: bigint, unmappedSize = size, dom = 1): IommuEvent {
  return Unmapped.make({ domain: dom, iova, size, unmappedSize, warn: 0 });
}

function sg(phys: bigint[], nents = phys.length): Dma['sg'] {
  return { nents, nentsTotal: nents, ents: 1, entsTotal: 1, dmaAddrs: [0xfff00000n], sizes: [BigInt(phys.length) * 0x1000n], physAddrs: phys, truncated: false };
}

/** dma_iova_try_alloc of `length` bytes at IOVA `iova` (state->addr = iova: page-aligned phys) */
function iovaAlloc(iova: bigint, length: bigint): IommuEvent {
  return DmaIovaAllocated.make({ device: DEV, domain: 1, phys: P, size: length, state: iova, iova, length, warn: 0 });
}

function iovaLink(state: bigint, offset: bigint, size: bigint): IommuEvent {
  return DmaIovaLinked.make({ device: DEV, domain: 1, state, offset, phys: P + offset, size, iova: state + offset, length: size, errno: null, warn: 0 });
}

function iovaUnlink(state: bigint, offset: bigint, size: bigint): IommuEvent {
  return DmaIovaUnlinked.make({ device: DEV, domain: 1, state, offset, size, iova: state + offset, length: size, unmapped: size, warn: 0 });
}

function iovaFree(state: bigint, length: bigint): IommuEvent {
  return DmaIovaFreed.make({ device: DEV, domain: 1, state, size: length, iova: state, length });
}

/** n events, then mark where the scenario's faults are */
function sc(check: string, events: IommuEvent[], ...expect: number[]): Scenario {
  return { check, events, expect };
}

const A = 0xfffff000n;
export const P = 0x4a000000n;

export const SCENARIOS: readonly Scenario[] = [
  sc('dma-api/unmap-not-mapped', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n, dir: 'TO_DEVICE' }), dma('unmap_page', { dmaAddr: A - 0x1000n, size: 0x1000n, dir: 'TO_DEVICE' }), dma('unmap_page', { dmaAddr: A, size: 0x1000n, dir: 'TO_DEVICE' })], 6),
  sc('dma-api/unmap-size-mismatch', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n }), dma('unmap_page', { dmaAddr: A, size: 0x800n })], 6),
  sc('dma-api/unmap-type-mismatch', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n }), dma('free', { dmaAddr: A, size: 0x1000n })], 6),
  sc('dma-api/unmap-direction-mismatch', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n, dir: 'TO_DEVICE' }), dma('unmap_page', { dmaAddr: A, size: 0x1000n, dir: 'FROM_DEVICE' })], 6),
  sc('dma-api/sg-count-mismatch', [...base(), dma('map_sg', { dmaAddr: 0xfff00000n, sg: sg([P, P + 0x3000n, P + 0x7000n]), dir: 'FROM_DEVICE' }), dma('unmap_sg', { dmaAddr: 0xfff00000n, sg: sg([P, P + 0x3000n]), dir: 'FROM_DEVICE' })], 6),
  sc('dma-api/sync-not-mapped', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n }), dma('sync_single_for_cpu', { dmaAddr: A - 0x10000n, size: 0x100n }), dma('sync_single_for_cpu', { dmaAddr: A + 0x80n, size: 0x100n })], 6),
  sc('dma-api/sync-out-of-range', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n }), dma('sync_single_for_device', { dmaAddr: A + 0x800n, size: 0x1000n }), dma('sync_single_for_device', { dmaAddr: A + 0x800n, size: 0x800n })], 6),
  sc('dma-api/sync-direction-mismatch', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n, dir: 'TO_DEVICE' }), dma('sync_single_for_cpu', { dmaAddr: A, size: 0x1000n, dir: 'FROM_DEVICE' }), dma('sync_single_for_device', { dmaAddr: A, size: 0x1000n, dir: 'TO_DEVICE' })], 6),
  sc('dma-api/cacheline-overlap', [...base(), dma('map_page', { dmaAddr: A + 0x40n, phys: P + 0x40n, size: 0x10n, dir: 'FROM_DEVICE' }), dma('map_page', { dmaAddr: A - 0xfc0n, phys: P + 0x50n, size: 0x10n, dir: 'FROM_DEVICE' }), dma('map_page', { dmaAddr: A - 0x1fc0n, phys: P + 0x80n, size: 0x10n, dir: 'FROM_DEVICE' })], 6),
  sc('dma-api/leak', [...base(), dma('map_page', { dmaAddr: A, phys: P, size: 0x1000n }), dma('map_page', { dmaAddr: A - 0x1000n, phys: P + 0x1000n, size: 0x1000n }), dma('unmap_page', { dmaAddr: A - 0x1000n, size: 0x1000n }), DeviceRemovedFromGroup.make({ device: DEV, group: 1 })], 8),
  sc('dma-iova/link-outside-range', [...base(), iovaAlloc(0xfff00000n, 0x4000n), iovaLink(0xfff00000n, 0n, 0x1000n), iovaLink(0xfff00000n, 0x3000n, 0x1000n), iovaLink(0xfff00000n, 0x4000n, 0x1000n)], 8),
  sc(
    'dma-iova/free-while-linked',
    [
      ...base(),
      iovaAlloc(0xfff00000n, 0x2000n),
      iovaLink(0xfff00000n, 0n, 0x1000n),
      iovaLink(0xfff00000n, 0x1000n, 0x1000n),
      iovaUnlink(0xfff00000n, 0n, 0x2000n),
      iovaFree(0xfff00000n, 0x2000n),
      iovaAlloc(0xffe00000n, 0x2000n),
      iovaLink(0xffe00000n, 0n, 0x2000n),
      iovaUnlink(0xffe00000n, 0n, 0x1000n),
      iovaFree(0xffe00000n, 0x2000n),
    ],
    13,
  ),
  sc('dma-iova/double-free', [...base(), iovaAlloc(0xfff00000n, 0x2000n), iovaFree(0xfff00000n, 0x2000n), iovaAlloc(0xffe00000n, 0x2000n), iovaFree(0xfff00000n, 0x2000n)], 8),
  sc('iommu/map-over-live', [...base(), map(0x10000n, P, 0x2000n), map(0x12000n, P, 0x1000n), map(0x11000n, P, 0x2000n)], 7),
  sc('iommu/unmap-hole', [...base(), map(0x10000n, P, 0x2000n), unmap(0x10000n, 0x2000n), unmap(0x10000n, 0x1000n)], 7),
  sc('iommu/unmap-short', [...base(), map(0x10000n, P, 0x2000n), unmap(0x10000n, 0x2000n, 0x1000n)], 6),
  sc('iommu/partial-block-unmap', [...base(), map(0x200000n, 0x40000000n, 0x200000n), unmap(0x201000n, 0x1000n), map(0x10000n, P, 0x2000n), unmap(0x10000n, 0x1000n)], 6),
  sc(
    'iommu/pgtable-iova-inconsistent',
    [
      ...base(),
      IovaDomainInitialised.make({ domain: 1, granule: 4096, startPfn: 1, dma32bitPfn: 0x100000, cpus: 1, rcaches: true, errno: null }),
      IovaAllocated.make({ domain: 1, size: 2, limitPfn: 0xfffff, sizeAligned: true, pfnLo: 0xffffe, pfnHi: 0xfffff, fromRcache: false, magIndex: null, cachedNode: 0xffffe, cached32Node: 0xffffe }),
      map(0xffffe000n, P, 0x2000n),
      IovaFreed.make({ domain: 1, pfnLo: 0xffffe, pfnHi: 0xfffff, via: 'free_iova', cachedNode: null, cached32Node: null, max32AllocSize: 0x100000 }),
      map(0xfff00000n, P, 0x1000n),
    ],
    8,
    9,
  ),
  sc('iommu/map-outside-aperture', [...base({ apertureEnd: 0xffffffffn }), map(0xfffff000n, P, 0x1000n), map(0x100000000n, P, 0x1000n)], 6),
  sc('iommu/map-in-reserved-region', [ReservedRegionDeclared.make({ device: null, group: 1, start: 0xfee00000n, end: 0xfeefffffn, kind: 'msi' }), ...base(), map(0xfedff000n, P, 0x1000n), map(0xfedff000n + 0x1000n, P, 0x1000n)], 7),
  sc(
    'iommu/msi-no-doorbell',
    [
      ...base(),
      MsiPageGot.make({ domain: 1, device: DEV, doorbell: 0x8090000n, iova: 0xfffff000n, cookie: 'dma', reused: false, refcount: 0 }),
      domain(2, { type: 'UNMANAGED', group: null }),
      DeviceAttached.make({ device: DEV, domain: 2, errno: null }),
    ],
    7,
  ),
  sc('iommu/use-after-free', [GroupCreated.make({ group: 1 }), domain(1), map(0x10000n, P, 0x1000n), unmap(0x10000n, 0x1000n), DomainFreed.make({ domain: 1 }), map(0x10000n, P, 0x1000n)], 5),
  sc('iommu/mappings-at-free', [GroupCreated.make({ group: 1 }), domain(1), domain(2), map(0x10000n, P, 0x1000n), map(0x10000n, P, 0x1000n, 2), unmap(0x10000n, 0x1000n, 0x1000n, 2), DomainFreed.make({ domain: 1 }), DomainFreed.make({ domain: 2 })], 6),
  sc('iommu/phys-shared', [...base(), domain(2, { group: 2 }), map(0x10000n, P, 0x1000n), map(0x20000n, P + 0x1000n, 0x1000n, 2), map(0x30000n, P, 0x1000n, 2)], 8),
  sc(
    'iommu/page-fault',
    [...base(), map(0x10000n, P, 0x1000n), PageFaulted.make({ device: DEV, driver: 'nvme', iova: 0x20000n, flags: 1, domain: null })],
    6,
  ),
  sc(
    'ioasid/stale-lookup',
    [
      IoasidAllocated.make({ set: 'sva', min: 1, max: 100, private: null, id: 5, allocator: 'default', stale: false }),
      IoasidLookedUp.make({ set: 'sva', id: 5, getter: 'none', data: null, errno: null, getterCalls: 0 }),
      IoasidFreed.make({ id: 5, found: true, allocator: 'default' }),
      IoasidLookedUp.make({ set: 'sva', id: 5, getter: 'none', data: null, errno: 'ENOENT', getterCalls: 0 }),
      IoasidLookedUp.make({ set: 'other', id: 7, getter: 'none', data: null, errno: 'EACCES', getterCalls: 0 }),
    ],
    3,
    4,
  ),
  sc('trace/events-lost', [...base(), EventsLost.make({ count: 12 }, { cpu: 1 }), map(0x10000n, P, 0x1000n)], 5),
];

/** the scenario's events as they are stored: seq = position, provenance = the JSONL line */
export function stamped(s: Scenario): IommuEvent[] {
  const src = `fixtures/scenarios/${fileName(s.check)}.jsonl`;
  return s.events.map((e, i) => ({ ...e, seq: i, line: i + 1, src }) as IommuEvent);
}

export function fileName(check: string): string {
  return check.replace('/', '--');
}
