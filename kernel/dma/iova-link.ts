// The dma_iova API (dma-iommu.c 7.3.4): dma_iova_try_alloc reserves one IOVA range for a whole
// request, dma_iova_link maps a buffer into it with iommu_map_nosync, dma_iova_unlink unmaps with
// its own (never queued) gather and syncs at once, dma_iova_free gives the range back at once.
// None of them checks that a link stays inside the range or that nothing is linked at the free:
// the checks in checks/dma-iova/ do.
import { DmaIovaAllocated, DmaIovaFreed, DmaIovaLinked, DmaIovaUnlinked, type DmaDir, type Errno, InputError } from '../../domain-events/index.js';
import { iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { type KernelCtx } from '../machine/ctx.js';
import { iovaAlign } from './alloc-iova.js';
import { coreDomain } from './core-domain.js';
import { type DmaTarget, dmaTarget } from './device.js';
import { dmaIovaFreeIova, dmaIovaTryAllocIova, iovaOffset } from './iova-link-alloc.js';
import { dmaInfoToProt } from './prot.js';

/** struct dma_iova_state as its owner keeps it: addr and __size */
export interface DmaIovaState {
  readonly device: string;
  readonly dmaAddr: bigint;
  readonly size: bigint;
}

function needApi(k: KernelCtx, call: string): void {
  if (!k.profile.dma.iovaLink) throw new InputError(`${call}: profile ${k.profile.name} has no dma_iova API (dma-iommu.c 7.3.4; absent from 6.12.117)`);
}

function granule(k: KernelCtx, domain: number): number {
  return k.state.iova.domains.get(domain)?.granule ?? 4096;
}

/** The device's DMA domain, for a call on a state dma_iova_try_alloc handed out (it needs one). */
function stateTarget(k: KernelCtx, s: DmaIovaState, call: string): DmaTarget & { domain: number } {
  const t = dmaTarget(k.state, s.device);
  if (t.domain === null) throw new InputError(`${call}: device ${s.device} does not use dma-iommu (its dma_iova_try_alloc returned false)`);
  return t as DmaTarget & { domain: number };
}

/** dma_iova_try_alloc(dev, state, phys, size): the state, or null when it returned false. */
export function dmaIovaTryAlloc(k: KernelCtx, device: string, phys: bigint, size: bigint): DmaIovaState | null {
  needApi(k, 'dma_iova_try_alloc');
  const t = dmaTarget(k.state, device);
  // !use_dma_iommu(dev): false before anything else (dma-direct callers map page by page)
  if (t.domain === null) {
    k.emit(DmaIovaAllocated.make({ device, domain: null, phys, size, state: null, iova: null, length: 0n, warn: 0 }, k.meta));
    return null;
  }
  const domain = t.domain;
  const dev = { name: device, pci: t.pci, pci32Workaround: t.pci32Workaround, busDmaLimit: t.busDmaLimit };
  const geo = { apertureEnd: t.apertureEnd, forceAperture: t.forceAperture, forcedac: k.profile.dma.pci32 === 'off' };
  // dma_get_mask(dev): the streaming mask
  const r = k.withIova(domain, (c) => dmaIovaTryAllocIova(c, dev, geo, phys, size, t.dmaMask));
  k.warn += r.warn;
  k.emit(DmaIovaAllocated.make({ device, domain, phys, size, state: r.ok ? r.dmaAddr : null, iova: r.ok ? r.iova : null, length: r.length, warn: r.warn }, k.meta));
  return r.ok ? { device, dmaAddr: r.dmaAddr, size } : null;
}

export interface LinkArgs {
  readonly phys: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly dir: DmaDir;
  readonly attrs?: string;
}

/** dma_iova_link(dev, state, phys, offset, size, dir, attrs): null or the error. */
export function dmaIovaLink(k: KernelCtx, s: DmaIovaState, a: LinkArgs): Errno | null {
  needApi(k, 'dma_iova_link');
  const t = stateTarget(k, s, 'dma_iova_link');
  const g = granule(k, t.domain);
  const pad = iovaOffset(a.phys, g);
  const iova = s.dmaAddr + a.offset - pad;
  const length = iovaAlign(a.size + pad, g);
  const base = { device: s.device, domain: t.domain, state: s.dmaAddr, offset: a.offset, phys: a.phys, size: a.size, iova, length };
  // WARN_ON_ONCE(iova_start_pad && offset > 0): only the first buffer may start inside a granule
  if (pad !== 0n && a.offset > 0n) {
    k.warn++;
    k.emit(DmaIovaLinked.make({ ...base, errno: 'EIO', warn: 1 }, k.meta));
    return 'EIO';
  }
  const prot = dmaInfoToProt(a.dir, t.coherent, a.attrs ?? '');
  // __dma_iova_link: iommu_map_nosync(domain, addr, phys - pad, iova_align(size + pad), prot, GFP_ATOMIC)
  const r = k.withPgtable(t.domain, (c) => iommuMap(c, coreDomain(k.state, t.domain), iova, a.phys - pad, length, prot));
  k.emit(DmaIovaLinked.make({ ...base, errno: r.errno, warn: 0 }, k.meta));
  return r.errno;
}

/** dma_iova_unlink(dev, state, offset, size, dir, attrs): bytes unmapped. */
export function dmaIovaUnlink(k: KernelCtx, s: DmaIovaState, offset: bigint, size: bigint): bigint {
  needApi(k, 'dma_iova_unlink');
  const t = stateTarget(k, s, 'dma_iova_unlink');
  const g = granule(k, t.domain);
  const addr = s.dmaAddr + offset;
  const pad = iovaOffset(addr, g);
  const length = iovaAlign(size + pad, g);
  // a gather of its own, never queued: every leaf is invalidated and synced now, even on DMA_FQ
  const unmapped = k.withPgtable(t.domain, (c) => iommuUnmap(c, coreDomain(k.state, t.domain), addr - pad, length), { gatherQueued: false });
  // WARN_ON(unmapped != size)
  const warn = unmapped !== length ? 1 : 0;
  k.warn += warn;
  k.emit(DmaIovaUnlinked.make({ device: s.device, domain: t.domain, state: s.dmaAddr, offset, size, iova: addr - pad, length, unmapped, warn }, k.meta));
  return unmapped;
}

/** dma_iova_free(dev, state): the whole range back to the allocator, immediately. */
export function dmaIovaFree(k: KernelCtx, s: DmaIovaState): void {
  needApi(k, 'dma_iova_free');
  const t = stateTarget(k, s, 'dma_iova_free');
  const r = k.withIova(t.domain, (c) => dmaIovaFreeIova(c, s.dmaAddr, s.size));
  k.emit(DmaIovaFreed.make({ device: s.device, domain: t.domain, state: s.dmaAddr, size: s.size, iova: r.iova, length: r.length }, k.meta));
}

/** dma_iova_destroy(dev, state, mapped_len, dir, attrs): unlink what was linked, then free. */
export function dmaIovaDestroy(k: KernelCtx, s: DmaIovaState, mappedLen: bigint): void {
  if (mappedLen !== 0n) dmaIovaUnlink(k, s, 0n, mappedLen);
  dmaIovaFree(k, s);
}
