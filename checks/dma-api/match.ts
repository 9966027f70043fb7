// How dma-debug finds the entry a call refers to (kernel/dma/debug.c): unmaps and frees by
// exact match (device + DMA address; sg unmaps, traced without DMA addresses, by their physical
// list), syncs by a containing match. Plus the wording shared by the DMA-API checks.
import { type DmaApiCalled, type DmaCall } from '../../domain-events/index.js';
import { type DeviceDma, type DmaEntry, type DmaEntryType, findEntry, isUnmapCall } from '../../reducers/index.js';
import { type ShadowState } from '../shadow.js';

/** the entry type each unmap / free call expects (debug.c check_unmap: "unmapped as …") */
const UNMAP_TYPE: Partial<Record<DmaCall, DmaEntryType>> = {
  unmap_page: 'single',
  unmap_resource: 'resource',
  unmap_sg: 'scatter-gather',
  free: 'coherent',
  free_pages: 'coherent',
  free_sgt: 'coherent',
};

export function unmapType(call: DmaCall): DmaEntryType | undefined {
  return UNMAP_TYPE[call];
}

export function isSyncCall(call: DmaCall): boolean {
  return call.startsWith('sync_');
}

export function isSgCall(call: DmaCall): boolean {
  return call === 'map_sg' || call === 'unmap_sg' || call === 'sync_sg_for_cpu' || call === 'sync_sg_for_device';
}

/** The live entry an unmap / free call releases (before it is applied), if any. */
export function unmapEntry(s: ShadowState, e: DmaApiCalled): DmaEntry | undefined {
  if (!isUnmapCall(e.call)) return undefined;
  return s.scratch.unmap(e, s, releasedEntry);
}

function releasedEntry(s: ShadowState, e: DmaApiCalled): DmaEntry | undefined {
  const d = s.dmaApi.devices[e.device];
  return d === undefined ? undefined : findEntry(d, e);
}

/** How far below an address a containing entry is looked for (64 MiB, in 4 KiB keys). */
const CONTAIN_WINDOW = 1 << 14;

/** debug.c bucket_find_contain: the live entry of the device whose range holds `addr`. */
export function containingEntry(d: DeviceDma | undefined, addr: bigint): DmaEntry | undefined {
  if (d === undefined) return undefined;
  const k = Number(addr >> 12n);
  let hit: DmaEntry | undefined;
  d.live.forEachDescending(k, (key, list) => {
    if (key < k - CONTAIN_WINDOW) return false;
    for (const x of list) if (x.dmaAddr <= addr && addr < x.dmaAddr + (x.size === 0n ? 1n : x.size)) hit = x;
    return hit === undefined;
  });
  return hit;
}

export function prefix(e: DmaApiCalled): string {
  return `DMA-API: ${e.device}: device driver`;
}

export function hexb(v: bigint): string {
  return '0x' + v.toString(16);
}
