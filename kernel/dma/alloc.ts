// dma_alloc_coherent / dma_free_coherent through dma-iommu (iommu_dma_alloc, iommu_dma_free):
// a blocking allocation gets pages that need not be contiguous, one IOVA under the coherent
// mask, and one map per physically contiguous run (iommu_map_sg); an atomic one is one buffer
// mapped with __iommu_dma_map.
import { DmaApiCalled } from '../../domain-events/index.js';
import { DMA_MAPPING_ERROR } from '../../reducers/index.js';
import { iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { type KernelCtx } from '../machine/ctx.js';
import { iommuDmaFreeIova, iovaAlign } from './alloc-iova.js';
import { coreDomain } from './core-domain.js';
import { dmaTarget } from './device.js';
import { allocDmaIova, iommuDmaMap, iommuDmaUnmap } from './map.js';
import { dmaInfoToProt } from './prot.js';

const PAGE = 4096n;

export interface AllocArgs {
  readonly device: string;
  readonly size: bigint;
  /** physical pages backing the buffer (PAGE_SIZE each, in order); contiguous from pages[0] if one is given */
  readonly pages: readonly bigint[];
  /** blocking (GFP_KERNEL) or atomic */
  readonly blocking: boolean;
  readonly attrs?: string;
  readonly gfp?: string;
}

/** The DMA address of the new buffer, or 0 on failure (dma_alloc_attrs returns NULL). */
export function dmaAlloc(k: KernelCtx, a: AllocArgs): bigint {
  const t = dmaTarget(k.state, a.device);
  const attrs = a.attrs ?? '';
  const count = Number((a.size + PAGE - 1n) / PAGE);
  const pages = a.pages.length >= count ? a.pages.slice(0, count) : Array.from({ length: count }, (_, i) => a.pages[0] + BigInt(i) * PAGE);
  let addr: bigint;
  if (t.domain === null) addr = pages[0];
  else if (!a.blocking || attrs.includes('FORCE_CONTIGUOUS')) {
    addr = iommuDmaMap(k, t, pages[0], a.size, dmaInfoToProt('BIDIRECTIONAL', t.coherent, attrs), t.coherentDmaMask);
    if (addr === DMA_MAPPING_ERROR) addr = 0n;
  } else addr = allocRemap(k, t.domain, t, pages, a.size, attrs);
  k.emit(
    DmaApiCalled.make(
      { device: a.device, call: 'alloc', dir: 'BIDIRECTIONAL', dmaAddr: addr, phys: null, size: a.size, attrs, gfp: a.gfp ?? (a.blocking ? 'GFP_KERNEL' : 'GFP_ATOMIC'), sg: null, errno: addr === 0n ? 'ENOMEM' : null, domain: t.domain },
      k.meta,
    ),
  );
  return addr;
}

/** __iommu_dma_alloc_noncontiguous: IOVA for the whole buffer, one map per contiguous run. */
function allocRemap(k: KernelCtx, domain: number, t: ReturnType<typeof dmaTarget>, pages: readonly bigint[], size: bigint, attrs: string): bigint {
  const granule = k.state.iova.domains.get(domain)?.granule ?? 4096;
  const len = iovaAlign(((size + PAGE - 1n) / PAGE) * PAGE, granule);
  const iova = allocDmaIova(k, t, len, t.coherentDmaMask);
  if (iova === 0n) return 0n;
  const prot = dmaInfoToProt('BIDIRECTIONAL', t.coherent, attrs);
  let done = 0n;
  let i = 0;
  while (i < pages.length) {
    let j = i + 1;
    while (j < pages.length && pages[j] === pages[j - 1] + PAGE) j++;
    const runLen = BigInt(j - i) * PAGE;
    const r = k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), iova + done, pages[i], runLen, prot));
    if (r.errno) {
      // iommu_map_sg unmaps what it had mapped, then the IOVA goes back
      if (done) k.withPgtable(domain, (c) => iommuUnmap(c, coreDomain(k.state, domain), iova, done));
      k.withIova(domain, (c) => iommuDmaFreeIova(c, iova, len));
      return 0n;
    }
    done += runLen;
    i = j;
  }
  return iova;
}

/** dma_free_attrs: traced first, then the buffer's IOVA is unmapped and freed. */
export function dmaFree(k: KernelCtx, a: { device: string; dmaAddr: bigint; size: bigint; attrs?: string }): void {
  const t = dmaTarget(k.state, a.device);
  k.emit(DmaApiCalled.make({ device: a.device, call: 'free', dir: 'BIDIRECTIONAL', dmaAddr: a.dmaAddr, phys: null, size: a.size, attrs: a.attrs ?? '', gfp: null, sg: null, errno: null, domain: t.domain }, k.meta));
  if (t.domain !== null) iommuDmaUnmap(k, t, a.dmaAddr, a.size);
}
