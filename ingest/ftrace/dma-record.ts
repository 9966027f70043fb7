// The dma:* record of each call (include/trace/events/dma.h, 6.12), built the same way whether
// its values came from the kernel's text or from the raw fields of a binary record.
import { type DmaCall, type DmaDir, DMA_DIRS, type SgList } from '../../domain-events/index.js';
import { type TraceRecord } from '../records.js';

export type DmaRecord = Extract<TraceRecord, { kind: 'dma' }>;

export function isDmaDir(s: string | null): s is DmaDir {
  return s !== null && (DMA_DIRS as readonly string[]).includes(s);
}

export interface SingleValues {
  readonly dmaAddr: bigint;
  readonly size: bigint;
  readonly phys: bigint | null;
  readonly attrs: string;
  readonly gfp: string | null;
}

/** map/unmap page, resource, phys; alloc/free; sync_single */
export function singleRecord(call: DmaCall, device: string, dir: DmaDir, v: SingleValues): DmaRecord {
  return { kind: 'dma', call, device, dir, dmaAddr: v.dmaAddr, phys: v.phys, size: v.size, attrs: v.attrs, gfp: v.gfp, sg: null };
}

export interface MapSgValues {
  /** nents as printed: min(full_nents, 128) / full_nents */
  readonly nents: number;
  readonly nentsTotal: number;
  readonly ents: number;
  readonly entsTotal: number;
  readonly dmaAddrs: bigint[];
  readonly sizes: bigint[];
  readonly physAddrs: bigint[];
  readonly truncated: boolean;
  readonly attrs: string;
}

export function mapSgRecord(device: string, dir: DmaDir, v: MapSgValues): DmaRecord {
  const sg: SgList = { nents: v.nents, nentsTotal: v.nentsTotal, ents: v.ents, entsTotal: v.entsTotal, dmaAddrs: v.dmaAddrs, sizes: v.sizes, physAddrs: v.physAddrs, truncated: v.truncated };
  return { kind: 'dma', call: 'map_sg', device, dir, dmaAddr: v.dmaAddrs[0] ?? null, phys: null, size: null, attrs: v.attrs, gfp: null, sg };
}

/** dma_unmap_sg records only the physical addresses of the list */
export function unmapSgRecord(device: string, dir: DmaDir, physAddrs: bigint[], attrs: string): DmaRecord {
  const sg: SgList = { nents: physAddrs.length, nentsTotal: physAddrs.length, ents: 0, entsTotal: 0, dmaAddrs: [], sizes: [], physAddrs, truncated: false };
  return { kind: 'dma', call: 'unmap_sg', device, dir, dmaAddr: null, phys: null, size: null, attrs, gfp: null, sg };
}

export function syncSgRecord(call: DmaCall, device: string, dir: DmaDir, dmaAddrs: bigint[], sizes: bigint[]): DmaRecord {
  const n = dmaAddrs.length;
  const sg: SgList = { nents: n, nentsTotal: n, ents: n, entsTotal: n, dmaAddrs, sizes, physAddrs: [], truncated: false };
  return { kind: 'dma', call, device, dir, dmaAddr: dmaAddrs[0] ?? null, phys: null, size: null, attrs: '', gfp: null, sg };
}

/** dma_alloc_sgt / dma_free_sgt: one DMA range over a list of pages */
export function sgtRecord(call: DmaCall, device: string, dir: DmaDir, v: SingleValues, physAddrs: bigint[]): DmaRecord {
  const sg: SgList = { nents: physAddrs.length, nentsTotal: physAddrs.length, ents: 1, entsTotal: 1, dmaAddrs: [v.dmaAddr], sizes: [v.size], physAddrs, truncated: false };
  return { ...singleRecord(call, device, dir, v), sg };
}
