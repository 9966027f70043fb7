// IOASIDs (ioasid.c, 6.1) and global PASIDs (iommu.c IDA, 6.12+), with SVA binds.
import { INVALID_IOASID } from '../domain-events/index.js';
import { editable, type Owned } from './owned.js';
import { PMap } from './pmap.js';
import { transientSlice } from './slice.js';

export interface IoasidEntry {
  readonly id: number;
  readonly set: string | null;
  readonly private: number | null;
  readonly allocator: string;
  /** the INVALID_IOASID slot left occupied by a failed allocation (ioasid.c 6.1) */
  readonly stale: boolean;
  readonly seq: number;
}

export interface PasidEntry {
  readonly pasid: number;
  readonly device: string;
  readonly seq: number;
}

export interface IoasidState extends Owned {
  /** ids of the active allocator's xarray */
  readonly ids: PMap<IoasidEntry>;
  /** ids freed, with the seq that freed them (lookups of freed ids are findings) */
  readonly freed: PMap<number>;
  readonly sets: readonly string[];
  readonly active: string;
  /** registered custom allocators, in list order */
  readonly allocators: readonly string[];
  /** custom allocator pools (harness / driver side) */
  readonly pools: Readonly<Record<string, readonly number[]>>;
  readonly pasids: PMap<PasidEntry>;
  readonly maxPasids: Readonly<Record<string, number>>;
  readonly binds: readonly { device: string; mm: string; pasid: number; seq: number }[];
  readonly failures: number;
}

type W = { -readonly [K in keyof IoasidState]: IoasidState[K] };

export const ioasidSlice = transientSlice<IoasidState>({
  name: 'ioasid',
  initial: {
    ids: PMap.empty(),
    freed: PMap.empty(),
    sets: [],
    active: 'default',
    allocators: [],
    pools: {},
    pasids: PMap.empty(),
    maxPasids: {},
    binds: [],
    failures: 0,
  },
  on: {
    IoasidSetAllocated(s, e, tx) {
      if (s.sets.includes(e.set)) return s;
      const w = editable(s, tx) as W;
      w.sets = [...s.sets, e.set];
      return w;
    },
    IoasidAllocated(s, e, tx) {
      const w = editable(s, tx) as W;
      if (e.id === INVALID_IOASID && !e.stale) {
        w.failures = s.failures + 1;
        return w;
      }
      w.ids = s.ids.set(e.id, { id: e.id, set: e.set, private: e.private, allocator: e.allocator, stale: e.stale, seq: e.seq }, tx);
      if (s.freed.has(e.id)) w.freed = s.freed.delete(e.id, tx);
      if (e.stale) w.failures = s.failures + 1;
      return w;
    },
    IoasidFreed(s, e, tx) {
      if (!e.found) return s;
      const w = editable(s, tx) as W;
      w.ids = s.ids.delete(e.id, tx);
      w.freed = s.freed.set(e.id, e.seq, tx);
      return w;
    },
    IoasidDataSet(s, e, tx) {
      const cur = s.ids.get(e.id);
      if (!cur || e.errno !== null) return s;
      const w = editable(s, tx) as W;
      w.ids = s.ids.set(e.id, { ...cur, private: e.data }, tx);
      return w;
    },
    IoasidAllocatorRegistered(s, e, tx) {
      const w = editable(s, tx) as W;
      if (e.errno === null && !s.allocators.includes(e.ops)) w.allocators = [...s.allocators, e.ops];
      w.active = e.active;
      return w;
    },
    IoasidAllocatorUnregistered(s, e, tx) {
      const w = editable(s, tx) as W;
      w.allocators = s.allocators.filter((a) => a !== e.ops);
      if (w.active !== e.active) {
        // switching xarrays: the ids of the old active allocator are no longer visible
        w.ids = PMap.empty();
      }
      w.active = e.active;
      return w;
    },
    IoasidCustomPoolChanged(s, e, tx) {
      const w = editable(s, tx) as W;
      const cur = new Set(s.pools[e.pool] ?? []);
      for (const id of e.added) cur.add(id);
      for (const id of e.removed) cur.delete(id);
      w.pools = { ...s.pools, [e.pool]: [...cur].sort((a, b) => a - b) };
      return w;
    },
    PasidDeviceConfigured(s, e, tx) {
      const w = editable(s, tx) as W;
      w.maxPasids = { ...s.maxPasids, [e.device]: e.maxPasids };
      return w;
    },
    PasidAllocated(s, e, tx) {
      const w = editable(s, tx) as W;
      if (e.pasid === INVALID_IOASID) {
        w.failures = s.failures + 1;
        return w;
      }
      w.pasids = s.pasids.set(e.pasid, { pasid: e.pasid, device: e.device, seq: e.seq }, tx);
      if (s.freed.has(e.pasid)) w.freed = s.freed.delete(e.pasid, tx);
      return w;
    },
    PasidFreed(s, e, tx) {
      if (!e.found) return s;
      const w = editable(s, tx) as W;
      w.pasids = s.pasids.delete(e.pasid, tx);
      w.freed = s.freed.set(e.pasid, e.seq, tx);
      return w;
    },
    SvaBound(s, e, tx) {
      if (e.errno !== null) return s;
      const w = editable(s, tx) as W;
      w.binds = [...s.binds, { device: e.device, mm: e.mm, pasid: e.pasid, seq: e.seq }];
      return w;
    },
    SvaUnbound(s, e, tx) {
      const w = editable(s, tx) as W;
      const i = s.binds.findIndex((b) => b.device === e.device && b.mm === e.mm && b.pasid === e.pasid);
      if (i >= 0) w.binds = [...s.binds.slice(0, i), ...s.binds.slice(i + 1)];
      return w;
    },
  },
  snapshot(s) {
    return {
      ...s,
      _tx: null,
      ids: s.ids.entries().map((x) => x[1]),
      freed: [s.freed.keys(), s.freed.entries().map((x) => x[1])],
      pasids: s.pasids.entries().map((x) => x[1]),
    };
  },
  restore(data) {
    const d = data as Omit<IoasidState, 'ids' | 'freed' | 'pasids'> & { ids: IoasidEntry[]; freed: [number[], number[]]; pasids: PasidEntry[] };
    return {
      ...d,
      _tx: null,
      ids: PMap.fromSorted(d.ids.map((x) => x.id), d.ids),
      freed: PMap.fromSorted(d.freed[0], d.freed[1]),
      pasids: PMap.fromSorted(d.pasids.map((x) => x.pasid), d.pasids),
    };
  },
  hash(s, h) {
    h.add('ioasid', s.active, s.allocators.join(','), s.sets.join(','), s.failures);
    s.ids.forEach((_, x) => h.add('id', x.id, x.set, x.private, x.allocator, x.stale, x.seq));
    s.freed.forEach((id, seq) => h.add('freed', id, seq));
    for (const p of Object.keys(s.pools).sort()) h.add('pool', p, s.pools[p].join(','));
    s.pasids.forEach((_, x) => h.add('pasid', x.pasid, x.device, x.seq));
    for (const dev of Object.keys(s.maxPasids).sort()) h.add('max', dev, s.maxPasids[dev]);
    for (const b of s.binds) h.add('bind', b.device, b.mm, b.pasid, b.seq);
  },
});
