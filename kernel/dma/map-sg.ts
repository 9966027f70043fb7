// iommu_dma_map_sg / iommu_dma_unmap_sg (dma-iommu.c): one IOVA for the whole list, each entry
// padded to IOVA granules (and the previous one padded to a segment boundary when the next would
// cross it), physically contiguous runs mapped with one iommu_map each (iommu_map_sg), then the
// DMA segments merged back as __finalise_sg does.
import { DmaApiCalled, type DmaDir, type SgList } from '../../domain-events/index.js';

import { iommuMap } from '../core/iommu-map.js';
import { type KernelCtx } from '../machine/ctx.js';
import { iommuDmaFreeIova } from './alloc-iova.js';
import { coreDomain } from './core-domain.js';
import { dmaTarget } from './device.js';
import { allocDmaIova, iommuDmaUnmap } from './map.js';
import { dmaInfoToProt } from './prot.js';

export interface SgEntry {
  readonly phys: bigint;
  readonly length: bigint;
}

export interface SgOptions {
  /** dma_get_seg_boundary (default 4 GiB - 1) */
  readonly segBoundary?: bigint;
  /** dma_get_max_seg_size (default 64 KiB) */
  readonly maxSegSize?: bigint;
}

interface Laid {
  readonly off: bigint;
  readonly length: bigint;
  /** padded length in IOVA space */
  iovaLen: bigint;
  /** phys of the granule-aligned start */
  readonly phys: bigint;
}

/** iommu_map_sg: one __iommu_map per run of entries that continue each other physically. */
function mapRuns(k: KernelCtx, domain: number, iova: bigint, laid: readonly Laid[], prot: number): bigint | null {
  let mapped = 0n;
  let start = 0n;
  let len = 0n;
  const flush = (): boolean => {
    if (!len) return true;
    const r = k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), iova + mapped, start, len, prot));
    if (r.errno) return false;
    mapped += len;
    len = 0n;
    return true;
  };
  for (const s of laid) {
    if (len && s.phys !== start + len && !flush()) return null;
    if (len) len += s.iovaLen;
    else {
      len = s.iovaLen;
      start = s.phys;
    }
  }
  if (!flush()) return null;
  return mapped;
}

/** __finalise_sg: the DMA segments the caller sees. */
function finaliseSg(laid: readonly Laid[], dmaAddr: bigint, o: Required<SgOptions>): { addrs: bigint[]; sizes: bigint[] } {
  const addrs: bigint[] = [];
  const sizes: bigint[] = [];
  let curLen = 0n;
  let at = dmaAddr;
  for (const s of laid) {
    if (curLen && s.off === 0n && (at & o.segBoundary) !== 0n && o.maxSegSize - curLen >= s.length) {
      curLen += s.length;
      sizes[sizes.length - 1] = curLen;
    } else {
      curLen = s.length;
      addrs.push(at + s.off);
      sizes.push(curLen);
    }
    at += s.iovaLen;
    if (s.length + s.off < s.iovaLen) curLen = 0n;
  }
  return { addrs, sizes };
}

export function dmaMapSg(k: KernelCtx, device: string, sg: readonly SgEntry[], dir: DmaDir, attrs = '', opts: SgOptions = {}): { dmaAddrs: bigint[]; sizes: bigint[] } | null {
  const t = dmaTarget(k.state, device);
  const o = { segBoundary: opts.segBoundary ?? 0xffffffffn, maxSegSize: opts.maxSegSize ?? 0x10000n };
  const emit = (addrs: bigint[], sizes: bigint[], errno: 'ENOMEM' | 'EINVAL' | null) => {
    const list: SgList = { nents: sg.length, nentsTotal: sg.length, ents: addrs.length, entsTotal: addrs.length, dmaAddrs: addrs, sizes, physAddrs: sg.map((s) => s.phys), truncated: false };
    k.emit(DmaApiCalled.make({ device, call: 'map_sg', dir, dmaAddr: addrs[0] ?? null, phys: null, size: null, attrs, gfp: null, sg: list, errno, domain: t.domain }, k.meta));
  };
  if (t.domain === null) {
    emit(sg.map((s) => s.phys), sg.map((s) => s.length), null);
    return { dmaAddrs: sg.map((s) => s.phys), sizes: sg.map((s) => s.length) };
  }
  const domain = t.domain;
  const g = BigInt(k.state.iova.domains.get(domain)?.granule ?? 4096);
  const mask = o.segBoundary;
  const laid: Laid[] = [];
  let iovaLen = 0n;
  for (const s of sg) {
    const off = s.phys % g;
    const len = ((s.length + off + g - 1n) / g) * g;
    const padLen = (mask - iovaLen + 1n) & mask;
    // pad the previous entry up to the segment boundary if this one would cross it
    if (padLen && padLen < len - 1n && laid.length) {
      laid[laid.length - 1].iovaLen += padLen;
      iovaLen += padLen;
    }
    laid.push({ off, length: s.length, iovaLen: len, phys: s.phys - off });
    iovaLen += len;
  }
  if (iovaLen === 0n) {
    emit([], [], null);
    return { dmaAddrs: [], sizes: [] };
  }
  const iova = allocDmaIova(k, t, iovaLen, t.dmaMask);
  if (iova === 0n) {
    emit([], [], 'ENOMEM');
    return null;
  }
  const mapped = mapRuns(k, domain, iova, laid, dmaInfoToProt(dir, t.coherent, attrs));
  if (mapped === null || mapped < iovaLen) {
    k.withIova(domain, (c) => iommuDmaFreeIova(c, iova, iovaLen));
    emit([], [], 'EINVAL');
    return null;
  }
  const seg = finaliseSg(laid, iova, o);
  emit(seg.addrs, seg.sizes, null);
  return { dmaAddrs: seg.addrs, sizes: seg.sizes };
}

/** iommu_dma_unmap_sg: one unmap from the first DMA segment to the end of the last. */
export function dmaUnmapSg(k: KernelCtx, device: string, dmaAddrs: readonly bigint[], sizes: readonly bigint[], physAddrs: readonly bigint[], dir: DmaDir, attrs = ''): void {
  const t = dmaTarget(k.state, device);
  // the dma:* event is traced before the unmap (kernel/dma/mapping.c)
  const list: SgList = { nents: physAddrs.length, nentsTotal: physAddrs.length, ents: 0, entsTotal: 0, dmaAddrs: [], sizes: [], physAddrs, truncated: false };
  k.emit(DmaApiCalled.make({ device, call: 'unmap_sg', dir, dmaAddr: dmaAddrs[0] ?? null, phys: null, size: null, attrs, gfp: null, sg: list, errno: null, domain: t.domain }, k.meta));
  if (t.domain === null || dmaAddrs.length === 0) return;
  const start = dmaAddrs[0];
  const end = dmaAddrs[dmaAddrs.length - 1] + sizes[sizes.length - 1];
  iommuDmaUnmap(k, t, start, end - start);
}

