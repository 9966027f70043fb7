// Live DMA-API mappings per device, the way kernel/dma/debug.c tracks them: an entry per
// successful map / alloc, keyed by device and DMA address, removed by the matching unmap / free.
import { type DmaApiCalled, type DmaCall, type DmaDir } from '../domain-events/index.js';
import { editable, type Owned, ownedBy } from './owned.js';
import { PMap, type Tx } from './pmap.js';
import { pfnOf } from './runs.js';
import { transientSlice } from './slice.js';
import { decodeDmaApi, decodeDmaApiDelta, encodeDmaApi, encodeDmaApiDelta } from './checkpoint-dma-api.js';

/** dma-debug entry types (kernel/dma/debug.c, 6.1 names) */
export type DmaEntryType = 'single' | 'scatter-gather' | 'coherent' | 'resource';

export interface DmaEntry {
  readonly dmaAddr: bigint;
  readonly size: bigint;
  readonly phys: bigint | null;
  readonly dir: DmaDir;
  readonly type: DmaEntryType;
  /** sg: entries passed to dma_map_sg and the physical address of each (as traced) */
  readonly nents: number | null;
  readonly physAddrs: readonly bigint[] | null;
  readonly seq: number;
}

export interface DeviceDma extends Owned {
  readonly device: string;
  /** by DMA address >> 12; entries sharing a page are kept in a small list */
  readonly live: PMap<readonly DmaEntry[]>;
  readonly count: number;
  /** bytes of live entries (a number: exact below 2^53, far beyond any device's live DMA) */
  readonly liveBytes: number;
  readonly maps: number;
  readonly unmaps: number;
  /** unmaps / frees with no live entry (dma-debug "tries to free DMA memory it has not allocated") */
  readonly unmatched: number;
}

export interface DmaApiState extends Owned {
  readonly devices: Readonly<Record<string, DeviceDma>>;
}

export const DMA_MAPPING_ERROR = (1n << 64n) - 1n;

const MAP_TYPE: Partial<Record<DmaCall, DmaEntryType>> = {
  map_page: 'single',
  map_resource: 'resource',
  map_sg: 'scatter-gather',
  alloc: 'coherent',
  alloc_pages: 'coherent',
  alloc_sgt: 'coherent',
};

const UNMAP_CALLS: ReadonlySet<DmaCall> = new Set(['unmap_page', 'unmap_resource', 'unmap_sg', 'free', 'free_pages', 'free_sgt']);

export function entryTypeOfCall(call: DmaCall): DmaEntryType | undefined {
  return MAP_TYPE[call];
}

export function isUnmapCall(call: DmaCall): boolean {
  return UNMAP_CALLS.has(call);
}


/** the entry's key: its DMA address's 4 KiB page */
export function entryKey(a: bigint): number {
  return pfnOf(a);
}

/** The DMA address and size a call covers: sg calls use the first segment and the total. */
export function callRange(e: DmaApiCalled): { addr: bigint; size: bigint } | null {
  if (e.dmaAddr !== null) {
    if (e.size !== null) return { addr: e.dmaAddr, size: e.size };
    if (e.sg) return { addr: e.dmaAddr, size: e.sg.sizes.reduce((a, b) => a + b, 0n) };
    return { addr: e.dmaAddr, size: 0n };
  }
  if (e.sg && e.sg.dmaAddrs.length) {
    const first = e.sg.dmaAddrs[0];
    let end = first;
    e.sg.dmaAddrs.forEach((a, i) => {
      const x = a + (e.sg!.sizes[i] ?? 0n);
      if (x > end) end = x;
    });
    return { addr: first, size: end - first };
  }
  return null;
}

function emptyDevice(device: string): DeviceDma {
  return { device, live: PMap.empty(), count: 0, liveBytes: 0, maps: 0, unmaps: 0, unmatched: 0 };
}

type W = { -readonly [K in keyof DeviceDma]: DeviceDma[K] };

/**
 * Whether a map / alloc call leaves a live entry: it succeeded and has a DMA address other than
 * DMA_MAPPING_ERROR (debug.c debug_dma_map_page: a mapping error adds no entry).
 */
export function recordsEntry(e: DmaApiCalled): boolean {
  if (e.errno !== null || MAP_TYPE[e.call] === undefined) return false;
  const addr = e.dmaAddr !== null && e.size !== null ? e.dmaAddr : callRange(e)?.addr;
  return addr !== undefined && addr !== DMA_MAPPING_ERROR;
}

/** The entry a map / alloc call leaves (debug.c add_dma_entry), or null if it leaves none (recordsEntry). */
export function entryOfMap(e: DmaApiCalled, type: DmaEntryType): DmaEntry | null {
  if (e.errno !== null) return null;
  let addr: bigint;
  let size: bigint;
  if (e.dmaAddr !== null && e.size !== null) {
    addr = e.dmaAddr;
    size = e.size;
  } else {
    const r = callRange(e);
    if (!r) return null;
    addr = r.addr;
    size = r.size;
  }
  // recordsEntry says the same
  if (addr === DMA_MAPPING_ERROR) return null;
  return {
    dmaAddr: addr,
    size,
    phys: e.phys ?? (e.sg && e.sg.physAddrs.length ? e.sg.physAddrs[0] : null),
    dir: e.dir,
    type,
    nents: e.sg ? e.sg.nentsTotal : null,
    physAddrs: e.sg ? e.sg.physAddrs : null,
    seq: e.seq,
  };
}

/** the entries at a key once `entry` joins them */
function withEntry(cur: readonly DmaEntry[] | undefined, entry: DmaEntry): readonly DmaEntry[] {
  return cur ? [...cur, entry] : [entry];
}

function mapCall(d: W, e: DmaApiCalled, type: DmaEntryType, tx: Tx): void {
  const entry = entryOfMap(e, type);
  if (entry === null) return;
  d.live = d.live.alter(entryKey(entry.dmaAddr), tx, withEntry, entry);
  d.count += 1;
  d.liveBytes += Number(entry.size);
  d.maps += 1;
}

/** Exact match by DMA address (dma-debug hash_bucket_find), else an sg entry with the same phys list. */
export function findEntry(d: DeviceDma, e: DmaApiCalled): DmaEntry | undefined {
  // callRange's address is the DMA address when there is one
  if (e.dmaAddr !== null) return exactEntry(d, e.dmaAddr);
  const r = callRange(e);
  if (r) return d.live.get(entryKey(r.addr))?.find((x) => x.dmaAddr === r.addr);
  if (e.sg && e.sg.physAddrs.length) {
    const want = e.sg.physAddrs;
    let hit: DmaEntry | undefined;
    d.live.forEach((_, list) => {
      hit = list.find((x) => x.physAddrs !== null && samePhys(x, want));
      return hit === undefined;
    });
    return hit;
  }
  return undefined;
}

/**
 * dma_map_sg lines print at most 128 physical addresses (6.12 trace, [TRUNCATED]) while
 * dma_unmap_sg prints them all: a truncated map list matches an unmap list it begins.
 */
export function samePhys(x: DmaEntry, want: readonly bigint[]): boolean {
  const have = x.physAddrs!;
  if (have.length === want.length) return sameList(have, want);
  if (have.length >= want.length || have.length >= (x.nents ?? 0)) return false;
  for (let i = 0; i < have.length; i++) if (have[i] !== want[i]) return false;
  return true;
}

function sameList(a: readonly bigint[], b: readonly bigint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** dma-debug's exact match: same device, same DMA address (the common case, without allocating). */
function exactEntry(d: DeviceDma, addr: bigint): DmaEntry | undefined {
  const list = d.live.get(entryKey(addr));
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) if (list[i].dmaAddr === addr) return list[i];
  return undefined;
}

/** what withoutExact found and took */
let taken: DmaEntry | undefined;

/** the entries at a key without the first one at DMA address `addr` (dma-debug's exact match), which goes to `taken` */
function withoutExact(list: readonly DmaEntry[] | undefined, addr: bigint): readonly DmaEntry[] | undefined {
  taken = undefined;
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    if (list[i].dmaAddr !== addr) continue;
    const hit = (taken = list[i]);
    return list.length === 1 ? undefined : list.filter((x) => x !== hit);
  }
  return list;
}

function unmapCall(d: W, e: DmaApiCalled, tx: Tx): void {
  d.unmaps += 1;
  let hit: DmaEntry | undefined;
  if (e.dmaAddr !== null) {
    // find and remove in one descent
    d.live = d.live.alter(entryKey(e.dmaAddr), tx, withoutExact, e.dmaAddr);
    hit = taken;
    taken = undefined;
  } else {
    hit = findEntry(d, e);
    if (hit !== undefined) {
      const k = entryKey(hit.dmaAddr);
      const list = d.live.get(k)!;
      const gone = hit;
      d.live = list.length === 1 ? d.live.delete(k, tx) : d.live.set(k, list.filter((x) => x !== gone), tx);
    }
  }
  if (hit === undefined) {
    d.unmatched += 1;
    return;
  }
  d.count -= 1;
  d.liveBytes -= Number(hit.size);
}

export const dmaApiSlice = transientSlice<DmaApiState>({
  name: 'dmaApi',
  initial: { devices: {} },
  on: {
    DmaApiCalled(s, e, tx) {
      const type = MAP_TYPE[e.call];
      if (type === undefined && !UNMAP_CALLS.has(e.call)) return s; // syncs change no mapping
      const cur = s.devices[e.device];
      let d: W;
      let st = s;
      if (cur !== undefined && ownedBy(cur, tx) && ownedBy(s, tx)) d = cur as W;
      else {
        st = editable(s, tx);
        const devices = editable(s.devices as DmaApiState['devices'] & Owned, tx) as Record<string, DeviceDma>;
        d = editable(cur ?? emptyDevice(e.device), tx) as W;
        devices[e.device] = d;
        (st as { devices: DmaApiState['devices'] }).devices = devices;
      }
      if (type !== undefined) mapCall(d, e, type, tx);
      else unmapCall(d, e, tx);
      return st;
    },
  },
  snapshot(s) {
    return Object.values(s.devices).map((d) => ({
      device: d.device,
      live: d.live.entries().flatMap(([, l]) => l),
      count: d.count,
      liveBytes: d.liveBytes,
      maps: d.maps,
      unmaps: d.unmaps,
      unmatched: d.unmatched,
    }));
  },
  restore(data) {
    const devices: Record<string, DeviceDma> = {};
    for (const d of data as (Omit<DeviceDma, 'live'> & { live: DmaEntry[] })[]) {
      const groups = new Map<number, DmaEntry[]>();
      for (const e of d.live) {
        const k = entryKey(e.dmaAddr);
        const g = groups.get(k);
        if (g) g.push(e);
        else groups.set(k, [e]);
      }
      const keys = [...groups.keys()].sort((a, b) => a - b);
      devices[d.device] = { ...d, live: PMap.fromSorted(keys, keys.map((k) => groups.get(k)!)) };
    }
    return { devices };
  },
  encode: encodeDmaApi,
  decode: decodeDmaApi,
  encodeDelta: encodeDmaApiDelta,
  decodeDelta: decodeDmaApiDelta,
  hash(s, h) {
    for (const name of Object.keys(s.devices).sort()) {
      const d = s.devices[name];
      h.add('dev', name, d.count, d.liveBytes, d.maps, d.unmaps, d.unmatched);
      d.live.forEach((_, list) => {
        for (const x of list) h.add('e', x.dmaAddr, x.size, x.phys, x.dir, x.type, x.nents, x.seq, x.physAddrs?.join(','));
      });
    }
  },
});
