// dma:* events read by field name (include/trace/events/dma.h, 6.12 and 7.x TP_STRUCT__entry):
// the records of a trace.dat, and the `[FAILED TO PARSE]` lines of `trace-cmd report`. The same
// records as the kernel's text gives (ingest/ftrace/dma.ts): dir, attrs and gfp flags printed
// through the format's own tables.
import { type DmaCall, type DmaDir } from '../../domain-events/index.js';
import { isDmaDir, mapSgRecord, singleRecord, sgtRecord, syncSgRecord, unmapSgRecord, type SingleValues } from './dma-record.js';
import { type FieldDecoder, type FieldReader, missing, symbolOf } from './field-reader.js';
import { FieldProblem } from './fields.js';
import { type Parsed } from './iommu.js';

/** the device and direction of the record last read by `head` (one scratch, not an object per record) */
const h: { device: string; dir: DmaDir } = { device: '', dir: 'BIDIRECTIONAL' };

/** reads the device and direction into `h`; the problem when one is missing or not a direction */
function head(r: FieldReader): FieldProblem | null {
  const device = r.str('device');
  if (device === null) return missing('device');
  const dir = symbolOf(r, 'dir');
  if (!isDmaDir(dir)) return new FieldProblem('dir', `not a DMA direction: ${JSON.stringify(dir)}`);
  h.device = device;
  h.dir = dir;
  return null;
}

/** `addr` is the field holding the DMA address: dma_addr, or addr in the unmap class */
function single(r: FieldReader, addr: string, withPhys: boolean, withGfp: boolean): SingleValues | FieldProblem {
  const dmaAddr = r.num(addr);
  if (dmaAddr === null) return missing(addr);
  const size = r.num('size');
  if (size === null) return missing('size');
  const phys = withPhys ? r.num('phys_addr') : null;
  if (withPhys && phys === null) return missing('phys_addr');
  const attrs = r.format.fields.some((f) => f.name === 'attrs') ? (symbolOf(r, 'attrs') ?? '') : '';
  return { dmaAddr, size, phys, attrs, gfp: withGfp ? symbolOf(r, 'flags') : null };
}

function singleCall(call: DmaCall, withPhys: boolean, withGfp = false): FieldDecoder {
  return (r) => {
    const bad = head(r);
    if (bad) return bad;
    // the unmap class names the DMA address `addr` (dma.h: dma_unmap)
    const v = single(r, r.num('dma_addr') !== null ? 'dma_addr' : 'addr', withPhys, withGfp);
    return v instanceof FieldProblem ? v : singleRecord(call, h.device, h.dir, v);
  };
}

function array(r: FieldReader, name: string): bigint[] | FieldProblem {
  return r.array(name) ?? missing(name);
}

const mapSg: FieldDecoder = (r) => {
  const bad = head(r);
  if (bad) return bad;
  const phys = array(r, 'phys_addrs');
  const addrs = array(r, 'dma_addrs');
  const sizes = array(r, 'lengths');
  for (const a of [phys, addrs, sizes]) if (!Array.isArray(a)) return a;
  const fullNents = r.num('full_nents');
  const fullEnts = r.num('full_ents');
  if (fullNents === null) return missing('full_nents');
  if (fullEnts === null) return missing('full_ents');
  const [p, d, s] = [phys, addrs, sizes] as bigint[][];
  if (d.length !== s.length) return new FieldProblem('lengths', `${s.length} lengths for ${d.length} dma_addrs`);
  // the kernel prints min(full_nents, DMA_TRACE_MAX_ENTRIES): the number of entries it recorded
  const values = { nents: p.length, nentsTotal: Number(fullNents), ents: d.length, entsTotal: Number(fullEnts), dmaAddrs: d, sizes: s, physAddrs: p, truncated: (r.num('truncated') ?? 0n) !== 0n, attrs: symbolOf(r, 'attrs') ?? '' };
  return mapSgRecord(h.device, h.dir, values);
};

const unmapSg: FieldDecoder = (r) => {
  const bad = head(r);
  if (bad) return bad;
  const phys = array(r, 'addrs');
  return Array.isArray(phys) ? unmapSgRecord(h.device, h.dir, phys, symbolOf(r, 'attrs') ?? '') : phys;
};

function syncSg(call: DmaCall): FieldDecoder {
  return (r) => {
    const bad = head(r);
    if (bad) return bad;
    const addrs = array(r, 'dma_addrs');
    const sizes = array(r, 'lengths');
    if (!Array.isArray(addrs)) return addrs;
    if (!Array.isArray(sizes)) return sizes;
    return syncSgRecord(call, h.device, h.dir, addrs, sizes);
  };
}

function sgt(call: DmaCall, withGfp: boolean): FieldDecoder {
  return (r) => {
    const bad = head(r);
    if (bad) return bad;
    const v = single(r, 'dma_addr', false, withGfp);
    if (v instanceof FieldProblem) return v;
    const phys = array(r, 'phys_addrs');
    return Array.isArray(phys) ? sgtRecord(call, h.device, h.dir, v, phys) : phys;
  };
}

export const dmaFieldFamily: Readonly<Record<string, FieldDecoder>> = {
  dma_map_page: singleCall('map_page', true),
  dma_map_phys: singleCall('map_page', true),
  dma_map_resource: singleCall('map_resource', true),
  dma_unmap_page: singleCall('unmap_page', false),
  dma_unmap_phys: singleCall('unmap_page', false),
  dma_unmap_resource: singleCall('unmap_resource', false),
  dma_alloc: singleCall('alloc', false, true),
  dma_alloc_pages: singleCall('alloc_pages', false, true),
  dma_free: singleCall('free', false),
  dma_free_pages: singleCall('free_pages', false),
  dma_alloc_sgt: sgt('alloc_sgt', true),
  dma_free_sgt: sgt('free_sgt', false),
  dma_map_sg: mapSg,
  dma_unmap_sg: unmapSg,
  dma_sync_single_for_cpu: singleCall('sync_single_for_cpu', false),
  dma_sync_single_for_device: singleCall('sync_single_for_device', false),
  dma_sync_sg_for_cpu: syncSg('sync_sg_for_cpu'),
  dma_sync_sg_for_device: syncSg('sync_sg_for_device'),
};
