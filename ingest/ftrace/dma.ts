// dma:* events (include/trace/events/dma.h, 6.12; 7.2 renames dma_map_page to dma_map_phys):
// the device first, then key=value fields; addresses bare hex, sg arrays `{0x…,…}` with a
// ` [TRUNCATED]` marker beyond 128 entries.
import { type DmaCall } from '../../domain-events/index.js';
import { isDmaDir, mapSgRecord, singleRecord, sgtRecord, syncSgRecord, unmapSgRecord } from './dma-record.js';
import { decInt, decU64, hexArray, hexU64, rawField } from './fields.js';
import { type FamilyParser, type Parsed } from './iommu.js';

function head(body: string): { device: string; dir: ReturnType<typeof rawField> } {
  const sp = body.indexOf(' ');
  const device = sp < 0 ? body : body.slice(0, sp);
  return { device, dir: rawField(body, 'dir') };
}

function badDir(dir: string | null): Parsed {
  return { ok: false, field: 'dir', problem: `not a DMA direction: ${JSON.stringify(dir)}` };
}

function common(body: string, call: DmaCall, withPhys: boolean, withGfp: boolean): Parsed {
  const h = head(body);
  if (!h.device) return { ok: false, field: 'device', problem: 'missing' };
  if (!isDmaDir(h.dir)) return badDir(h.dir);
  const addr = hexU64(body, 'dma_addr');
  if (!addr.ok) return { ok: false, field: addr.field, problem: addr.problem };
  const size = decU64(body, 'size');
  if (!size.ok) return { ok: false, field: size.field, problem: size.problem };
  let phys: bigint | null = null;
  if (withPhys) {
    const p = hexU64(body, 'phys_addr');
    if (!p.ok) return { ok: false, field: p.field, problem: p.problem };
    phys = p.value;
  }
  const attrs = rawField(body, 'attrs') ?? '';
  return { ok: true, record: singleRecord(call, h.device, h.dir, { dmaAddr: addr.value, size: size.value, phys, attrs, gfp: withGfp ? rawField(body, 'flags') : null }) };
}

function counts(body: string, key: string): { n: number; total: number } | null {
  const raw = rawField(body, key);
  if (!raw) return null;
  const [a, b] = raw.split('/');
  const n = decInt(a, '', a);
  const total = decInt(b ?? '', '', b ?? '');
  return n.ok && total.ok ? { n: n.value, total: total.value } : null;
}

function mapSg(body: string): Parsed {
  const h = head(body);
  if (!isDmaDir(h.dir)) return badDir(h.dir);
  const nents = counts(body, 'nents');
  const ents = counts(body, 'ents');
  if (!nents) return { ok: false, field: 'nents', problem: 'expected A/B' };
  if (!ents) return { ok: false, field: 'ents', problem: 'expected A/B' };
  const addrs = hexArray(body, 'dma_addrs');
  const sizes = hexArray(body, 'sizes');
  const phys = hexArray(body, 'phys_addrs');
  for (const r of [addrs, sizes, phys]) if (!r.ok) return { ok: false, field: r.field, problem: r.problem };
  if (!addrs.ok || !sizes.ok || !phys.ok) return { ok: false, field: 'dma_addrs', problem: 'unreadable' };
  if (addrs.value.length !== sizes.value.length) return { ok: false, field: 'sizes', problem: `${sizes.value.length} sizes for ${addrs.value.length} dma_addrs` };
  const truncated = body.includes('[TRUNCATED]');
  const attrs = rawField(body, 'attrs') ?? '';
  return { ok: true, record: mapSgRecord(h.device, h.dir, { nents: nents.n, nentsTotal: nents.total, ents: ents.n, entsTotal: ents.total, dmaAddrs: addrs.value, sizes: sizes.value, physAddrs: phys.value, truncated, attrs }) };
}

function unmapSg(body: string): Parsed {
  const h = head(body);
  if (!isDmaDir(h.dir)) return badDir(h.dir);
  const phys = hexArray(body, 'phys_addrs');
  if (!phys.ok) return { ok: false, field: phys.field, problem: phys.problem };
  return { ok: true, record: unmapSgRecord(h.device, h.dir, phys.value, rawField(body, 'attrs') ?? '') };
}

function syncSg(call: DmaCall): FamilyParser {
  return (body) => {
    const h = head(body);
    if (!isDmaDir(h.dir)) return badDir(h.dir);
    const addrs = hexArray(body, 'dma_addrs');
    const sizes = hexArray(body, 'sizes');
    if (!addrs.ok) return { ok: false, field: addrs.field, problem: addrs.problem };
    if (!sizes.ok) return { ok: false, field: sizes.field, problem: sizes.problem };
    return { ok: true, record: syncSgRecord(call, h.device, h.dir, addrs.value, sizes.value) };
  };
}

function sgt(call: DmaCall, withGfp: boolean): FamilyParser {
  return (body) => {
    const r = common(body, call, false, withGfp);
    if (!r.ok || r.record.kind !== 'dma') return r;
    const phys = hexArray(body, 'phys_addrs');
    if (!phys.ok) return { ok: false, field: phys.field, problem: phys.problem };
    const d = r.record;
    return { ok: true, record: sgtRecord(call, d.device, d.dir, { dmaAddr: d.dmaAddr!, size: d.size!, phys: null, attrs: d.attrs, gfp: d.gfp }, phys.value) };
  };
}

const p = (call: DmaCall, phys: boolean, gfp = false): FamilyParser => (body) => common(body, call, phys, gfp);

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
