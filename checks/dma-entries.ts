// The live DMA-API entries the checks judge by: the dmaApi reducer's entries (kernel/dma/debug.c's
// hash buckets), kept for the shadow by (device, 4 KiB page of the DMA address) in hash maps,
// because every unmap asks for an exact match and a B+tree walk per unmap cost more than every
// DMA-API check together. The pages in order, which a sync's containing match, an sg unmap traced
// without DMA addresses and a leak report need, are kept from the first such question on.
// Every answer is the reducer's (reducers/dma-api.ts; checked against it event by event in
// dma-entries.test.ts).
import { type DmaApiCalled } from '../domain-events/index.js';
import { callRange, type DmaApiState, type DmaEntry, entryKey, entryOfMap, entryTypeOfCall, isUnmapCall, PMap, samePhys, Tx } from '../reducers/index.js';

/** How far below an address a containing entry is looked for (64 MiB, in 4 KiB keys). */
const CONTAIN_WINDOW = 1 << 14;

/**
 * The entries at one key: the entry itself while it is the only one (most keys hold one entry:
 * no array to allocate on a map, nor to read through on an unmap), else the list in map order.
 */
type AtKey = DmaEntry | DmaEntry[];

export class DeviceEntries {
  /** live entries */
  count = 0;
  /** key -> the entries at that key, in the order they were mapped */
  private readonly byKey = new Map<number, AtKey>();
  /** the keys in order, once a question needed them */
  private order: PMap<number> | null = null;
  private readonly tx = new Tx();

  /** dma-debug's exact match: the first live entry with this DMA address */
  exact(addr: bigint): DmaEntry | undefined {
    const at = this.byKey.get(entryKey(addr));
    if (at === undefined) return undefined;
    if (!Array.isArray(at)) return at.dmaAddr === addr ? at : undefined;
    for (let i = 0; i < at.length; i++) if (at[i].dmaAddr === addr) return at[i];
    return undefined;
  }

  /** reducers/dma-api.ts findEntry: the entry an unmap / free call releases */
  find(e: DmaApiCalled): DmaEntry | undefined {
    if (e.dmaAddr !== null) return this.exact(e.dmaAddr);
    const r = callRange(e);
    if (r) return this.exact(r.addr);
    if (e.sg && e.sg.physAddrs.length) {
      const want = e.sg.physAddrs;
      let hit: DmaEntry | undefined;
      this.ordered().forEach((k) => {
        hit = listOf(this.byKey.get(k)!).find((x) => x.physAddrs !== null && samePhys(x, want));
        return hit === undefined;
      });
      return hit;
    }
    return undefined;
  }

  /** debug.c bucket_find_contain: the live entry whose range holds `addr` (nearest key below it, last of its list) */
  containing(addr: bigint): DmaEntry | undefined {
    const k = entryKey(addr);
    let hit: DmaEntry | undefined;
    this.ordered().forEachDescending(k, (key) => {
      if (key < k - CONTAIN_WINDOW) return false;
      for (const x of listOf(this.byKey.get(key)!)) if (x.dmaAddr <= addr && addr < x.dmaAddr + (x.size === 0n ? 1n : x.size)) hit = x;
      return hit === undefined;
    });
    return hit;
  }

  /** the first entry in key order (the one dma-debug's leak report shows) */
  first(): DmaEntry | undefined {
    const k = this.ordered().minKey();
    return k === undefined ? undefined : listOf(this.byKey.get(k)!)[0];
  }

  add(x: DmaEntry): void {
    const k = entryKey(x.dmaAddr);
    const at = this.byKey.get(k);
    if (at === undefined) {
      this.byKey.set(k, x);
      if (this.order !== null) this.order = this.order.set(k, k, this.tx);
    } else if (Array.isArray(at)) at.push(x);
    else this.byKey.set(k, [at, x]);
    this.count++;
  }

  remove(x: DmaEntry): void {
    const k = entryKey(x.dmaAddr);
    const at = this.byKey.get(k)!;
    if (at === x || (Array.isArray(at) && at.length === 1)) {
      this.byKey.delete(k);
      if (this.order !== null) this.order = this.order.delete(k, this.tx);
    } else {
      const list = at as DmaEntry[];
      list.splice(list.indexOf(x), 1);
    }
    this.count--;
  }

  private ordered(): PMap<number> {
    if (this.order === null) {
      const keys = [...this.byKey.keys()].sort((a, b) => a - b);
      this.order = PMap.fromSorted(keys, keys);
    }
    return this.order;
  }
}

/** the entries at a key as a list (a one-entry list made for the rarer questions that walk keys) */
function listOf(at: AtKey): readonly DmaEntry[] {
  return Array.isArray(at) ? at : [at];
}

/** Per device, the live entries; applies DmaApiCalled as the dmaApi reducer does. */
export class DmaEntries {
  private readonly devices = new Map<string, DeviceEntries>();
  /** the last release found (checks ask before the event is applied): the apply reuses it */
  private releasedFor: DmaApiCalled | null = null;
  private released: DmaEntry | undefined;

  device(name: string): DeviceEntries | undefined {
    return this.devices.get(name);
  }

  /** the live entry the unmap / free call releases, before it is applied */
  releasedBy(e: DmaApiCalled): DmaEntry | undefined {
    if (this.releasedFor !== e) {
      this.released = this.devices.get(e.device)?.find(e);
      this.releasedFor = e;
    }
    return this.released;
  }

  apply(e: DmaApiCalled): void {
    const type = entryTypeOfCall(e.call);
    if (type !== undefined) {
      const x = entryOfMap(e, type);
      if (x === null) return;
      let d = this.devices.get(e.device);
      if (d === undefined) this.devices.set(e.device, (d = new DeviceEntries()));
      d.add(x);
    } else if (isUnmapCall(e.call)) {
      const hit = this.releasedBy(e);
      this.releasedFor = null;
      if (hit !== undefined) this.devices.get(e.device)!.remove(hit);
    }
  }

  /** the entries of a checkpoint's state */
  static of(s: DmaApiState): DmaEntries {
    const out = new DmaEntries();
    for (const [name, d] of Object.entries(s.devices)) {
      const dev = new DeviceEntries();
      d.live.forEach((_, list) => {
        for (const x of list) dev.add(x);
      });
      out.devices.set(name, dev);
    }
    return out;
  }
}
