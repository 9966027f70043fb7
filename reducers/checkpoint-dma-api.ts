// The compact checkpoint form of the DMA-API slice: per device its counters and its live
// dma-debug entries, grouped by the page key they are filed under (entries sharing a page keep
// their order). Restored into the reducers' record shapes and bulk-built PMaps. A delta
// checkpoint writes only the devices that changed, and of those only the pages that changed.
import { type ByteReader, type ByteWriter } from './bytes.js';
import { type DeviceDma, type DmaApiState, type DmaEntry, type DmaEntryType } from './dma-api.js';
import { type DmaDir } from '../domain-events/index.js';
import { decodeMapDelta, encodeMapDelta } from './pmap-diff.js';
import { PMap, Tx } from './pmap.js';

export function encodeDmaApi(s: DmaApiState, w: ByteWriter): void {
  encodeDevices(s, null, w);
}

export function decodeDmaApi(r: ByteReader): DmaApiState {
  return decodeDevices(null, r);
}

/** Every device by name, in order; a device unchanged since `base` is one byte, a changed one its live entries that changed. */
export function encodeDmaApiDelta(base: DmaApiState, s: DmaApiState, w: ByteWriter): void {
  encodeDevices(s, base, w);
}

export function decodeDmaApiDelta(base: DmaApiState, r: ByteReader): DmaApiState {
  return decodeDevices(base, r);
}

/** how a device is written: whole, the same record as in the base, or against its base version */
const WHOLE = 0;
const SAME = 1;
const AGAINST = 2;

function encodeDevices(s: DmaApiState, base: DmaApiState | null, w: ByteWriter): void {
  const names = Object.keys(s.devices);
  w.uint(names.length);
  for (const name of names) {
    const d = s.devices[name];
    const b = base !== null && Object.hasOwn(base.devices, name) ? base.devices[name] : null;
    w.str(name);
    if (b === d) {
      w.byte(SAME);
      continue;
    }
    w.byte(b === null ? WHOLE : AGAINST);
    w.str(d.device);
    w.int(d.count);
    w.int(d.liveBytes);
    w.int(d.maps);
    w.int(d.unmaps);
    w.int(d.unmatched);
    if (b !== null) {
      encodeMapDelta(b.live, d.live, w, (_, list) => encodeList(list, w));
      continue;
    }
    w.uint(d.live.size);
    let prev = 0;
    d.live.forEach((k, list) => {
      w.int(k - prev);
      prev = k;
      encodeList(list, w);
    });
  }
}

function decodeDevices(base: DmaApiState | null, r: ByteReader): DmaApiState {
  const devices: Record<string, DeviceDma> = {};
  const tx = new Tx();
  const n = r.count();
  for (let i = 0; i < n; i++) {
    const name = r.str();
    const how = r.byte();
    const b = base !== null && Object.hasOwn(base.devices, name) ? base.devices[name] : null;
    if (how > AGAINST || (how !== WHOLE && b === null)) throw new Error(`checkpoint data: device ${name} written against a base that is not there`);
    if (how === SAME) {
      devices[name] = b!;
      continue;
    }
    const device = r.str();
    const count = r.int();
    const liveBytes = r.int();
    const maps = r.int();
    const unmaps = r.int();
    const unmatched = r.int();
    let live: PMap<readonly DmaEntry[]>;
    if (how === AGAINST) live = decodeMapDelta(b!.live, r, tx, () => decodeList(r));
    else live = decodeLive(r);
    // the field order of dma-api.ts emptyDevice()
    devices[name] = { device, live, count, liveBytes, maps, unmaps, unmatched };
  }
  return { devices };
}

/**
 * A device's live entries, whole: the keys now, the entries of a leaf when it is first used (a
 * seek replays a few hundred events after the restore and touches a few leaves). The pass over
 * the lists checks every count, string and value as decoding them does, so a list decoded later
 * cannot fail; the body's bytes stay with the leaves not yet decoded.
 */
function decodeLive(r: ByteReader): PMap<readonly DmaEntry[]> {
  const kn = r.count();
  const keys: number[] = new Array(kn);
  const at = new Uint32Array(kn);
  let prev = 0;
  for (let j = 0; j < kn; j++) {
    prev = keys[j] = prev + r.int();
    at[j] = r.offset;
    skipList(r);
  }
  return PMap.fromSortedLazy(keys, (from, to) => {
    const lists: DmaEntry[][] = new Array(to - from);
    const f = r.fork(at[from]);
    for (let j = from; j < to; j++) {
      // past the key written before each list but the first
      if (j > from) f.int();
      lists[j - from] = decodeList(f);
    }
    return lists;
  });
}

function skipList(r: ByteReader): void {
  for (let n = r.count(); n > 0; n--) {
    r.skipU64();
    r.skipU64();
    if (r.byte() !== 0) r.skipU64();
    r.str();
    r.str();
    r.optInt();
    const pn = r.count();
    for (let i = 1; i < pn; i++) r.skipU64();
    r.int();
  }
}

function encodeList(list: readonly DmaEntry[], w: ByteWriter): void {
  w.uint(list.length);
  for (const e of list) encodeEntry(e, w);
}

function decodeList(r: ByteReader): DmaEntry[] {
  const n = r.count();
  const list: DmaEntry[] = new Array(n);
  for (let i = 0; i < n; i++) list[i] = decodeEntry(r);
  return list;
}

function encodeEntry(e: DmaEntry, w: ByteWriter): void {
  w.u64(e.dmaAddr);
  w.u64(e.size);
  w.optU64(e.phys);
  w.str(e.dir);
  w.str(e.type);
  w.optInt(e.nents);
  if (e.physAddrs === null) w.uint(0);
  else {
    w.uint(e.physAddrs.length + 1);
    for (const a of e.physAddrs) w.u64(a);
  }
  w.int(e.seq);
}

function decodeEntry(r: ByteReader): DmaEntry {
  const dmaAddr = r.u64();
  const size = r.u64();
  const phys = r.optU64();
  const dir = r.str() as DmaDir;
  const type = r.str() as DmaEntryType;
  const nents = r.optInt();
  const pn = r.count();
  let physAddrs: bigint[] | null = null;
  if (pn > 0) {
    physAddrs = new Array(pn - 1);
    for (let i = 0; i < pn - 1; i++) physAddrs[i] = r.u64();
  }
  // the field order of dma-api.ts mapCall()
  return { dmaAddr, size, phys, dir, type, nents, physAddrs, seq: r.int() };
}
