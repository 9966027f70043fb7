// How dma-debug finds the entry a call refers to (kernel/dma/debug.c (6.1–7.2)): unmaps and frees by
// exact match (device + DMA address; sg unmaps, traced without DMA addresses, by their physical
// list), syncs by a containing match. Plus the wording shared by the DMA-API checks.
import { type DmaApiCalled, type DmaCall } from '../../domain-events/index.js';
import { type DmaEntry, type DmaEntryType, isUnmapCall } from '../../reducers/index.js';
import { type ShadowState } from '../shadow.js';

/** The calls that release an entry, those that leave one, and the syncs (for CheckDef.calls). */
export const UNMAP_CALLS: readonly DmaCall[] = ['unmap_page', 'unmap_resource', 'unmap_sg', 'free', 'free_pages', 'free_sgt'];
export const MAP_CALLS: readonly DmaCall[] = ['map_page', 'map_resource', 'map_sg', 'alloc', 'alloc_pages', 'alloc_sgt'];
export const SYNC_CALLS: readonly DmaCall[] = ['sync_single_for_cpu', 'sync_single_for_device', 'sync_sg_for_cpu', 'sync_sg_for_device'];

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
  return isUnmapCall(e.call) ? s.dma.releasedBy(e) : undefined;
}

/** debug.c bucket_find_contain: the live entry of the device whose range holds `addr`. */
export function containingEntry(s: ShadowState, device: string, addr: bigint): DmaEntry | undefined {
  return s.dma.device(device)?.containing(addr);
}

export function prefix(e: DmaApiCalled): string {
  return `DMA-API: ${e.device}: device driver`;
}

export function hexb(v: bigint): string {
  return '0x' + v.toString(16);
}
