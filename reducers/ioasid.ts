// IOASIDs (ioasid.c, 6.1) and global PASIDs (iommu.c IDA, 6.12+), with SVA binds. In 6.1 each
// allocator — the default one and every custom one (named by the ops that created it) — has its
// own xarray; lookups, frees and set_data use the active allocator's.
import { INVALID_IOASID } from '../domain-events/index.js';
import { editable, type Owned } from './owned.js';
import { PMap, type Tx } from './pmap.js';
import { transientSlice } from './slice.js';

export interface IoasidEntry {
  readonly id: number;
  readonly set: string | null;
  readonly private: number | null;
  /** the INVALID_IOASID slot left occupied by a failed allocation (ioasid.c 6.1): its data was freed */
  readonly stale: boolean;
  readonly seq: number;
}

export interface PasidEntry {
  readonly pasid: number;
  readonly device: string;
  readonly seq: number;
}

export interface CustomAllocator {
  /** the ops that created the allocator; its pdata serves every member */
  readonly ops: string;
  readonly members: readonly string[];
}

export interface IoasidState extends Owned {
  /** xarray per allocator: "default" and each custom allocator by creator ops */
  readonly xarrays: Readonly<Record<string, PMap<IoasidEntry>>>;
  /** ids freed, with the seq that freed them (lookups of freed ids are findings) */
  readonly freed: PMap<number>;
  readonly sets: readonly string[];
  readonly active: string;
  readonly allocators: readonly CustomAllocator[];
  /** custom allocator pools (driver / harness side) */
  readonly pools: Readonly<Record<string, readonly number[]>>;
  readonly pasids: PMap<PasidEntry>;
  readonly maxPasids: Readonly<Record<string, number>>;
  readonly binds: readonly { device: string; mm: string; pasid: number; seq: number }[];
  readonly failures: number;
}

type W = { -readonly [K in keyof IoasidState]: IoasidState[K] };

/** The active allocator's ids. */
export function activeIds(s: IoasidState): PMap<IoasidEntry> {
  return s.xarrays[s.active] ?? PMap.empty();
}

function withXa(w: W, name: string, fn: (x: PMap<IoasidEntry>) => PMap<IoasidEntry>): void {
  w.xarrays = { ...w.xarrays, [name]: fn(w.xarrays[name] ?? PMap.empty()) };
}

function markFreed(w: W, id: number, seq: number, tx: Tx): void {
  w.freed = w.freed.set(id, seq, tx);
}

export const ioasidSlice = transientSlice<IoasidState>({
  name: 'ioasid',
  initial: {
    xarrays: {},
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
      if (e.stale) w.failures = s.failures + 1;
      withXa(w, e.allocator, (x) => x.set(e.id, { id: e.id, set: e.set, private: e.private, stale: e.stale, seq: e.seq }, tx));
      if (s.freed.has(e.id)) w.freed = s.freed.delete(e.id, tx);
      return w;
    },
    IoasidFreed(s, e, tx) {
      if (!e.found) return s;
      const w = editable(s, tx) as W;
      withXa(w, e.allocator, (x) => x.delete(e.id, tx));
      markFreed(w, e.id, e.seq, tx);
      return w;
    },
    IoasidDataSet(s, e, tx) {
      const cur = activeIds(s).get(e.id);
      if (!cur || e.errno !== null) return s;
      const w = editable(s, tx) as W;
      withXa(w, s.active, (x) => x.set(e.id, { ...cur, private: e.data }, tx));
      return w;
    },
    IoasidAllocatorRegistered(s, e, tx) {
      if (e.errno !== null) return s;
      const w = editable(s, tx) as W;
      if (e.joined !== null) w.allocators = s.allocators.map((a) => (a.ops === e.joined ? { ...a, members: [...a.members, e.ops] } : a));
      else w.allocators = [...s.allocators, { ops: e.ops, members: [e.ops] }];
      w.active = e.active;
      return w;
    },
    IoasidAllocatorUnregistered(s, e, tx) {
      if (e.allocator === null) return s;
      const w = editable(s, tx) as W;
      if (e.removed) {
        w.allocators = s.allocators.filter((a) => a.ops !== e.allocator);
        const x = { ...s.xarrays };
        delete x[e.allocator];
        w.xarrays = x;
      } else {
        w.allocators = s.allocators.map((a) => (a.ops === e.allocator ? { ...a, members: a.members.filter((m) => m !== e.ops) } : a));
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
      markFreed(w, e.pasid, e.seq, tx);
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
    const xarrays: Record<string, IoasidEntry[]> = {};
    for (const [k, x] of Object.entries(s.xarrays)) xarrays[k] = x.entries().map((e) => e[1]);
    return { ...s, xarrays, freed: [s.freed.keys(), s.freed.entries().map((x) => x[1])], pasids: s.pasids.entries().map((x) => x[1]) };
  },
  restore(data) {
    const d = data as Omit<IoasidState, 'xarrays' | 'freed' | 'pasids'> & { xarrays: Record<string, IoasidEntry[]>; freed: [number[], number[]]; pasids: PasidEntry[] };
    const xarrays: Record<string, PMap<IoasidEntry>> = {};
    for (const [k, list] of Object.entries(d.xarrays)) xarrays[k] = PMap.fromSorted(list.map((x) => x.id), list);
    return { ...d, xarrays, freed: PMap.fromSorted(d.freed[0], d.freed[1]), pasids: PMap.fromSorted(d.pasids.map((x) => x.pasid), d.pasids) };
  },
  hash(s, h) {
    h.add('ioasid', s.active, s.sets.join(','), s.failures);
    for (const a of s.allocators) h.add('allocator', a.ops, a.members.join(','));
    for (const k of Object.keys(s.xarrays).sort()) s.xarrays[k].forEach((_, x) => h.add('id', k, x.id, x.set, x.private, x.stale, x.seq));
    s.freed.forEach((id, seq) => h.add('freed', id, seq));
    for (const p of Object.keys(s.pools).sort()) h.add('pool', p, s.pools[p].join(','));
    s.pasids.forEach((_, x) => h.add('pasid', x.pasid, x.device, x.seq));
    for (const dev of Object.keys(s.maxPasids).sort()) h.add('max', dev, s.maxPasids[dev]);
    for (const b of s.binds) h.add('bind', b.device, b.mm, b.pasid, b.seq);
  },
});
