// How the block layer maps a request's segments for a device (block/blk-mq-dma.c 7.3.4
// blk_dma_map_iter_start / blk_rq_dma_map_iova / blk_dma_map_direct, blk_rq_dma_unmap): one
// dma_iova range linked segment by segment when the kernel has the API, the device sits behind
// dma-iommu and every join between segments lies on a granule boundary (blk_can_dma_map_iova);
// otherwise each segment is mapped on its own (dma_map_phys, dma_map_page before 7.x).
import { type DmaDir } from '../../domain-events/index.js';
import { DMA_MAPPING_ERROR } from '../../reducers/index.js';
import { type KernelCtx } from '../machine/ctx.js';
import { dmaTarget } from './device.js';
import { type DmaIovaState, dmaIovaDestroy, dmaIovaLink, dmaIovaTryAlloc } from './iova-link.js';
import { dmaMapPage, dmaUnmapPage } from './map.js';

/** A physical segment of the request: bvecs already merged where contiguous (blk_map_iter_next). */
export interface BlkSegment {
  readonly phys: bigint;
  readonly len: bigint;
}

/** A mapped request: its dma_iova state, or the DMA address of each segment. */
export interface BlkMapping {
  readonly device: string;
  readonly dir: DmaDir;
  readonly state: DmaIovaState | null;
  /** bytes linked into the state (blk_rq_dma_unmap's mapped_len) */
  readonly mapped: bigint;
  readonly segments: readonly BlkSegment[];
  readonly dmaAddrs: readonly bigint[];
}

/**
 * blk_can_dma_map_iova: no gap between segments below the device's merge boundary, which for
 * dma-iommu is the IOVA granule - 1 (iommu_dma_get_merge_boundary)
 */
function canMapIova(segs: readonly BlkSegment[], granule: bigint): boolean {
  for (let i = 1; i < segs.length; i++) {
    const prevEnd = segs[i - 1].phys + segs[i - 1].len;
    if (prevEnd % granule !== 0n || segs[i].phys % granule !== 0n) return false;
  }
  return true;
}

/** Maps a request; null when a segment could not be mapped (BLK_STS_RESOURCE, everything undone). */
export function blkRqDmaMap(k: KernelCtx, device: string, segs: readonly BlkSegment[], dir: DmaDir): BlkMapping | null {
  const t = dmaTarget(k.state, device);
  const granule = BigInt(t.domain === null ? 4096 : (k.state.iova.domains.get(t.domain)?.granule ?? 4096));
  const total = segs.reduce((s, x) => s + x.len, 0n);
  if (k.profile.dma.iovaLink && segs.length > 0 && canMapIova(segs, granule)) {
    const state = dmaIovaTryAlloc(k, device, segs[0].phys, total);
    if (state) return linkAll(k, state, segs, dir);
  }
  // blk_dma_map_direct, one segment after the other; the driver unmaps what it mapped on error
  const addrs: bigint[] = [];
  for (const s of segs) {
    const addr = dmaMapPage(k, { device, phys: s.phys, size: s.len, dir });
    if (addr === DMA_MAPPING_ERROR) {
      addrs.forEach((a, i) => dmaUnmapPage(k, { device, dmaAddr: a, size: segs[i].len, dir }));
      return null;
    }
    addrs.push(addr);
  }
  return { device, dir, state: null, mapped: 0n, segments: segs, dmaAddrs: addrs };
}

/** blk_rq_dma_map_iova: link each segment at its offset; on an error, dma_iova_destroy what was linked. */
function linkAll(k: KernelCtx, state: DmaIovaState, segs: readonly BlkSegment[], dir: DmaDir): BlkMapping | null {
  let mapped = 0n;
  for (const s of segs) {
    if (dmaIovaLink(k, state, { phys: s.phys, offset: mapped, size: s.len, dir }) !== null) {
      dmaIovaDestroy(k, state, mapped);
      return null;
    }
    mapped += s.len;
  }
  // dma_iova_sync: iommu_sync_map, a driver IOTLB sync the model has no event for
  return { device: state.device, dir, state, mapped, segments: segs, dmaAddrs: [state.dmaAddr] };
}

/** blk_rq_dma_unmap (+ the driver's per-segment unmap when the request was mapped directly). */
export function blkRqDmaUnmap(k: KernelCtx, m: BlkMapping): void {
  if (m.state) return dmaIovaDestroy(k, m.state, m.mapped);
  m.dmaAddrs.forEach((a, i) => dmaUnmapPage(k, { device: m.device, dmaAddr: a, size: m.segments[i].len, dir: m.dir }));
}
