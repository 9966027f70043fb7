// dma:* events (include/trace/events/dma.h, 6.12; 7.2 renames dma_map_page to dma_map_phys):
// the device first, then key=value fields; addresses bare hex, sg arrays `{0x…,…}` with a
// ` [TRUNCATED]` marker beyond 128 entries.
import { type DmaCall, type DmaDir, DMA_DIRS } from '../../domain-events/index.js';
import { ascii, bytesEqual, indexOfBytes, Interner } from '../bytes.js';
import { mapSgRecord, singleRecord, sgtRecord, syncSgRecord, unmapSgRecord } from './dma-record.js';
import { type BodyFields, fieldKey, FieldProblem } from './fields.js';
import { type FamilyParser, names, type Parsed } from './iommu.js';

const DIR = fieldKey('dir');
const DMA_ADDR = fieldKey('dma_addr');
const SIZE = fieldKey('size');
const PHYS_ADDR = fieldKey('phys_addr');
const ATTRS = fieldKey('attrs');
const FLAGS = fieldKey('flags');
const NENTS = fieldKey('nents');
const ENTS = fieldKey('ents');
const DMA_ADDRS = fieldKey('dma_addrs');
const SIZES = fieldKey('sizes');
const PHYS_ADDRS = fieldKey('phys_addrs');
const TRUNCATED = ascii('[TRUNCATED]');
const DIR_BYTES = DMA_DIRS.map((d) => ({ dir: d, bytes: ascii(d) }));

/** attrs and gfp flags, by their bytes */
const flagTexts = new Interner();

/** the device: the body up to its first space ('' when the body starts with one) */
function device(f: BodyFields): string {
  const b = f.buf;
  let sp = f.start;
  while (sp < f.end && b[sp] !== 32) sp++;
  return names.get(b, f.start, sp);
}

/** dir=, one of the DMA directions; else the problem (naming what it was) */
function direction(f: BodyFields): DmaDir | FieldProblem {
  if (f.find(DIR)) {
    for (const d of DIR_BYTES) if (bytesEqual(f.buf, f.vs, f.ve, d.bytes)) return d.dir;
    return new FieldProblem('dir', `not a DMA direction: ${JSON.stringify(f.raw(DIR))}`);
  }
  return new FieldProblem('dir', 'not a DMA direction: null');
}

function common(f: BodyFields, call: DmaCall, withPhys: boolean, withGfp: boolean): Parsed {
  const dev = device(f);
  if (!dev) return new FieldProblem('device', 'missing');
  const dir = direction(f);
  if (typeof dir !== 'string') return dir;
  const dmaAddr = f.hex(DMA_ADDR);
  if (typeof dmaAddr !== 'bigint') return dmaAddr;
  const size = f.dec(SIZE);
  if (typeof size !== 'bigint') return size;
  let phys: bigint | null = null;
  if (withPhys) {
    const p = f.hex(PHYS_ADDR);
    if (typeof p !== 'bigint') return p;
    phys = p;
  }
  const attrs = f.raw(ATTRS, flagTexts) ?? '';
  return singleRecord(call, dev, dir, { dmaAddr, size, phys, attrs, gfp: withGfp ? f.raw(FLAGS, flagTexts) : null });
}

function mapSg(f: BodyFields): Parsed {
  const dev = device(f);
  const dir = direction(f);
  if (typeof dir !== 'string') return dir;
  const nents = f.counts(NENTS);
  if (!nents) return new FieldProblem('nents', 'expected A/B');
  const ents = f.counts(ENTS);
  if (!ents) return new FieldProblem('ents', 'expected A/B');
  const addrs = f.hexArray(DMA_ADDRS);
  if (!Array.isArray(addrs)) return addrs;
  const sizes = f.hexArray(SIZES);
  if (!Array.isArray(sizes)) return sizes;
  const phys = f.hexArray(PHYS_ADDRS);
  if (!Array.isArray(phys)) return phys;
  if (addrs.length !== sizes.length) return new FieldProblem('sizes', `${sizes.length} sizes for ${addrs.length} dma_addrs`);
  const truncated = indexOfBytes(f.buf, TRUNCATED, f.start, f.end) >= 0;
  const attrs = f.raw(ATTRS, flagTexts) ?? '';
  return mapSgRecord(dev, dir, { nents: nents.n, nentsTotal: nents.total, ents: ents.n, entsTotal: ents.total, dmaAddrs: addrs, sizes, physAddrs: phys, truncated, attrs });
}

function unmapSg(f: BodyFields): Parsed {
  const dev = device(f);
  const dir = direction(f);
  if (typeof dir !== 'string') return dir;
  const phys = f.hexArray(PHYS_ADDRS);
  if (!Array.isArray(phys)) return phys;
  return unmapSgRecord(dev, dir, phys, f.raw(ATTRS, flagTexts) ?? '');
}

function syncSg(call: DmaCall): FamilyParser {
  return (f) => {
    const dev = device(f);
    const dir = direction(f);
    if (typeof dir !== 'string') return dir;
    const addrs = f.hexArray(DMA_ADDRS);
    if (!Array.isArray(addrs)) return addrs;
    const sizes = f.hexArray(SIZES);
    if (!Array.isArray(sizes)) return sizes;
    return syncSgRecord(call, dev, dir, addrs, sizes);
  };
}

function sgt(call: DmaCall, withGfp: boolean): FamilyParser {
  return (f) => {
    const r = common(f, call, false, withGfp);
    if (r instanceof FieldProblem || r.kind !== 'dma') return r;
    const phys = f.hexArray(PHYS_ADDRS);
    if (!Array.isArray(phys)) return phys;
    return sgtRecord(call, r.device, r.dir, { dmaAddr: r.dmaAddr!, size: r.size!, phys: null, attrs: r.attrs, gfp: r.gfp }, phys);
  };
}

const p = (call: DmaCall, phys: boolean, gfp = false): FamilyParser => (f) => common(f, call, phys, gfp);

export const dmaFamily: Readonly<Record<string, FamilyParser>> = {
  dma_map_page: p('map_page', true),
  dma_map_phys: p('map_page', true),
  dma_map_resource: p('map_resource', true),
  dma_unmap_page: p('unmap_page', false),
  dma_unmap_phys: p('unmap_page', false),
  dma_unmap_resource: p('unmap_resource', false),
  dma_alloc: p('alloc', false, true),
  dma_alloc_pages: p('alloc_pages', false, true),
  dma_free: p('free', false),
  dma_free_pages: p('free_pages', false),
  dma_alloc_sgt: sgt('alloc_sgt', true),
  dma_free_sgt: sgt('free_sgt', false),
  dma_map_sg: mapSg,
  dma_unmap_sg: unmapSg,
  dma_sync_single_for_cpu: p('sync_single_for_cpu', false),
  dma_sync_single_for_device: p('sync_single_for_device', false),
  dma_sync_sg_for_cpu: syncSg('sync_sg_for_cpu'),
  dma_sync_sg_for_device: syncSg('sync_sg_for_device'),
};
