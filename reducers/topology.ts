// Devices, groups and domains (drivers/iommu/iommu.c). Small, rarely changing records: an
// immer slice.
import { type DomainType } from '../domain-events/index.js';
import { immerSlice } from './slice.js';

export interface GroupState {
  readonly id: number;
  readonly devices: readonly string[];
  readonly createdSeq: number;
}

export interface DeviceState {
  readonly name: string;
  readonly group: number | null;
  /** domain the device currently translates through */
  readonly domain: number | null;
  /** the first DMA-capable domain it was attached to (its default domain, in practice) */
  readonly defaultDomain: number | null;
  readonly attachedSeq: number | null;
  readonly removed: boolean;
  /** DMA addressing, once configured (iommu_setup_dma_ops) */
  readonly dma: {
    readonly pci: boolean;
    readonly dmaMask: bigint;
    readonly coherentDmaMask: bigint;
    readonly busDmaLimit: bigint;
    readonly pci32Workaround: boolean;
    readonly coherent: boolean;
  } | null;
}

export interface DomainState {
  readonly id: number;
  readonly type: DomainType;
  readonly apertureStart: bigint;
  readonly apertureEnd: bigint;
  readonly forceAperture: boolean;
  readonly pgsizeBitmap: bigint;
  readonly fmt: string;
  readonly group: number | null;
  readonly parent: number | null;
  readonly owner: string;
  readonly allocatedSeq: number;
  readonly freedSeq: number | null;
  /** devices attached now */
  readonly devices: readonly string[];
}

export interface RegionState {
  readonly device: string | null;
  readonly group: number | null;
  readonly start: bigint;
  readonly end: bigint;
  readonly kind: string;
  readonly seq: number;
}

export interface TopologyState {
  readonly groups: Readonly<Record<number, GroupState>>;
  readonly devices: Readonly<Record<string, DeviceState>>;
  readonly domains: Readonly<Record<number, DomainState>>;
  readonly regions: readonly RegionState[];
}

const initial: TopologyState = { groups: {}, devices: {}, domains: {}, regions: [] };

function newDevice(name: string): DeviceState {
  return { name, group: null, domain: null, defaultDomain: null, attachedSeq: null, removed: false, dma: null };
}

export const topologySlice = immerSlice<TopologyState>({
  name: 'topology',
  initial,
  on: {
    GroupCreated(d, e) {
      d.groups[e.group] ??= { id: e.group, devices: [], createdSeq: e.seq };
    },
    DeviceAddedToGroup(d, e) {
      const g = (d.groups[e.group] ??= { id: e.group, devices: [], createdSeq: e.seq });
      if (!g.devices.includes(e.device)) g.devices.push(e.device);
      const dev = (d.devices[e.device] ??= newDevice(e.device));
      dev.group = e.group;
      dev.removed = false;
    },
    DeviceRemovedFromGroup(d, e) {
      const g = d.groups[e.group];
      if (g) g.devices = g.devices.filter((x) => x !== e.device);
      const dev = d.devices[e.device];
      if (dev) {
        dev.group = null;
        dev.removed = true;
        // the default domain was the group's: a device probed again gets the new group's
        dev.defaultDomain = null;
      }
    },
    DomainAllocated(d, e) {
      d.domains[e.domain] = {
        id: e.domain,
        type: e.domainType,
        apertureStart: e.apertureStart,
        apertureEnd: e.apertureEnd,
        forceAperture: e.forceAperture,
        pgsizeBitmap: e.pgsizeBitmap,
        fmt: e.fmt,
        group: e.group,
        parent: e.parent,
        owner: e.owner,
        allocatedSeq: e.seq,
        freedSeq: null,
        devices: [],
      };
    },
    DomainFreed(d, e) {
      const dom = d.domains[e.domain];
      if (dom) dom.freedSeq = e.seq;
    },
    DeviceAttached(d, e) {
      if (e.errno !== null) return;
      const dev = (d.devices[e.device] ??= newDevice(e.device));
      const prev = dev.domain;
      if (prev !== null && d.domains[prev]) d.domains[prev].devices = d.domains[prev].devices.filter((x) => x !== e.device);
      dev.domain = e.domain;
      dev.attachedSeq = e.seq;
      const dom = d.domains[e.domain];
      if (dom && !dom.devices.includes(e.device)) dom.devices.push(e.device);
      if (dev.defaultDomain === null && dom && (dom.type === 'DMA' || dom.type === 'DMA_FQ' || dom.type === 'IDENTITY'))
        dev.defaultDomain = e.domain;
    },
    DeviceDetached(d, e) {
      const dev = d.devices[e.device];
      if (dev && dev.domain === e.domain) dev.domain = null;
      const dom = d.domains[e.domain];
      if (dom) dom.devices = dom.devices.filter((x) => x !== e.device);
    },
    DeviceDmaConfigured(d, e) {
      const dev = (d.devices[e.device] ??= newDevice(e.device));
      dev.dma = { pci: e.pci, dmaMask: e.dmaMask, coherentDmaMask: e.coherentDmaMask, busDmaLimit: e.busDmaLimit, pci32Workaround: e.pci32Workaround, coherent: e.coherent };
    },
    Pci32WorkaroundCleared(d, e) {
      const dev = d.devices[e.device];
      if (dev?.dma) dev.dma.pci32Workaround = false;
    },
    ReservedRegionDeclared(d, e) {
      d.regions.push({ device: e.device, group: e.group, start: e.start, end: e.end, kind: e.kind, seq: e.seq });
    },
  },
  snapshot: (s) => s,
  restore: (data) => data as TopologyState,
  hash(s, h) {
    for (const id of Object.keys(s.groups).map(Number).sort((a, b) => a - b)) {
      const g = s.groups[id];
      h.add('group', g.id, g.createdSeq, g.devices.join(','));
    }
    for (const name of Object.keys(s.devices).sort()) {
      const v = s.devices[name];
      h.add('device', v.name, v.group, v.domain, v.defaultDomain, v.attachedSeq, v.removed, v.dma?.pci, v.dma?.dmaMask, v.dma?.coherentDmaMask, v.dma?.busDmaLimit, v.dma?.pci32Workaround);
    }
    for (const id of Object.keys(s.domains).map(Number).sort((a, b) => a - b)) {
      const m = s.domains[id];
      h.add('domain', m.id, m.type, m.apertureStart, m.apertureEnd, m.forceAperture, m.pgsizeBitmap, m.fmt, m.group, m.parent, m.owner, m.allocatedSeq, m.freedSeq, m.devices.join(','));
    }
    for (const r of s.regions) h.add('region', r.device, r.group, r.start, r.end, r.kind, r.seq);
  },
});
