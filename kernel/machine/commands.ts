// The commands a kernel model executes: what drivers, VFIO/iommufd and the IRQ layer ask of the
// IOMMU layer. Workloads are written in these; trace verification re-derives them from traces.
import { type DmaDir, type DomainType } from '../../domain-events/index.js';
import { type BlkMapping, type BlkSegment } from '../dma/blk-rq-map.js';
import { type ResvRegion } from '../dma/init-domain.js';
import { type DmaIovaState } from '../dma/iova-link.js';
import { type SgEntry } from '../dma/map-sg.js';
import { type PinnedRun } from '../iommufd/iopt.js';

export type KernelCommand =
  | {
      op: 'probe';
      device: string;
      /** iommu group id; a new group gets the next free id */
      group?: number;
      pci?: boolean;
      dmaMaskBits?: number;
      coherentMaskBits?: number;
      coherent?: boolean;
      regions?: readonly ResvRegion[];
      pciWindows?: readonly { start: bigint; end: bigint }[];
      maxPasids?: number;
      /** force the default domain type (a driver's preference, iommu.passthrough) */
      defaultDomainType?: DomainType;
    }
  | { op: 'remove'; device: string }
  | { op: 'alloc_domain'; type: DomainType; owner?: string; parent?: number }
  | { op: 'free_domain'; domain: number }
  | { op: 'attach'; device: string; domain: number }
  | { op: 'detach'; device: string }
  | { op: 'get_msi_cookie'; domain: number; base?: bigint }
  | { op: 'iommu_map'; domain: number; iova: bigint; paddr: bigint; size: bigint; prot: number }
  | { op: 'iommu_unmap'; domain: number; iova: bigint; size: bigint }
  | { op: 'dma_map_page'; device: string; phys: bigint; size: bigint; dir: DmaDir; attrs?: string; resource?: boolean }
  | { op: 'dma_unmap_page'; device: string; dmaAddr: bigint; size: bigint; dir: DmaDir; attrs?: string; resource?: boolean }
  | { op: 'dma_map_sg'; device: string; sg: readonly SgEntry[]; dir: DmaDir; attrs?: string; maxSegSize?: bigint }
  | { op: 'dma_unmap_sg'; device: string; dmaAddrs: readonly bigint[]; sizes: readonly bigint[]; physAddrs: readonly bigint[]; dir: DmaDir }
  | { op: 'dma_alloc'; device: string; size: bigint; pages: readonly bigint[]; blocking?: boolean; attrs?: string }
  | { op: 'dma_free'; device: string; dmaAddr: bigint; size: bigint }
  | { op: 'dma_sync'; device: string; dmaAddr: bigint; size: bigint; dir: DmaDir; forCpu: boolean }
  /** the dma_iova API (7.3.4): one IOVA range per request, buffers linked into it */
  | { op: 'dma_iova_try_alloc'; device: string; phys: bigint; size: bigint }
  | { op: 'dma_iova_link'; state: DmaIovaState; phys: bigint; offset: bigint; size: bigint; dir: DmaDir; attrs?: string }
  | { op: 'dma_iova_unlink'; state: DmaIovaState; offset: bigint; size: bigint }
  | { op: 'dma_iova_free'; state: DmaIovaState }
  | { op: 'dma_iova_destroy'; state: DmaIovaState; mappedLen: bigint }
  /** the block layer maps / unmaps a request (blk_rq_dma_map_iter_start, blk_rq_dma_unmap) */
  | { op: 'blk_rq_map'; device: string; segs: readonly BlkSegment[]; dir: DmaDir }
  | { op: 'blk_rq_unmap'; mapping: BlkMapping }
  | { op: 'msi_enable'; device: string; doorbell: bigint }
  /** msi_domain_deactivate: the 2016 series puts the doorbell binding (iova: what the enable returned) */
  | { op: 'msi_disable'; device: string; doorbell: bigint; iova?: bigint }
  /** VFIO sets up MSI translation for a user domain: the 2016 reserved window, or the merged MSI cookie at `iova` */
  | { op: 'vfio_msi_window'; domain: number; iova: bigint; size: bigint }
  /** vfio_iommu_type1 release: the 2016 series tears every reserved binding down and frees the window */
  | { op: 'vfio_release'; domain: number }
  /** VFIO_GROUP_SET_CONTAINER for the device's group (type1); `scratch`: the two pages vfio_test_domain_fgsp maps */
  | { op: 'vfio_group_set_container'; device: string; container: string; scratch?: bigint }
  /** VFIO_SET_IOMMU type1v2 on a container */
  | { op: 'vfio_set_iommu'; container: string; scratch?: bigint }
  /** VFIO_IOMMU_MAP_DMA of physically contiguous pinned pages, into every domain of the container */
  | { op: 'vfio_dma_map'; container: string; iova: bigint; size: bigint; paddr: bigint; prot?: number }
  | { op: 'vfio_dma_unmap'; container: string; iova: bigint; size: bigint }
  /** the group leaves its container (group fd closed): detach, domain freed with its last group, ownership released */
  | { op: 'vfio_group_unset_container'; device: string }
  | { op: 'reserved_domain_alloc'; domain: number; iova: bigint; size: bigint; order?: number; prot?: number }
  | { op: 'reserved_domain_free'; domain: number }
  | { op: 'unmap_reserved'; domain: number }
  | { op: 'ioas_alloc' }
  /**
   * IOMMU_IOAS_MAP of the user pages at `uptr` (fixed `iova`, or one the kernel picks); `pages`: the
   * physical pages pin_user_pages gives for them, contiguous runs in order; `prot`: IOMMU_* bits
   * (IOMMU_CACHE | READ | WRITE unless given)
   */
  | { op: 'ioas_map'; ioas: number; size: bigint; iova?: bigint; uptr?: bigint; prot?: number; pages: readonly PinnedRun[] }
  | { op: 'ioas_unmap'; ioas: number; iova: bigint; size: bigint }
  /** iommufd: bind a device (claims DMA ownership), attach it to an IOAS (automatic hw_pagetable) or a hw_pagetable, detach, unbind */
  | { op: 'iommufd_bind'; device: string }
  | { op: 'iommufd_attach'; device: string; ioas: number }
  | { op: 'iommufd_attach'; device: string; hwpt: number }
  /** IOMMU_HWPT_ALLOC on an IOAS for a bound device's IOMMU; IOMMU_DESTROY of such a hw_pagetable */
  | { op: 'iommufd_hwpt_alloc'; device: string; ioas: number }
  | { op: 'iommufd_hwpt_destroy'; hwpt: number }
  | { op: 'iommufd_detach'; device: string }
  | { op: 'iommufd_unbind'; device: string }
  | { op: 'depot_tick' }
  | { op: 'cpu_dead'; cpu: number }
  | { op: 'pasid_alloc'; device: string }
  | { op: 'pasid_free'; pasid: number }
  | { op: 'sva_bind'; device: string; mm: string }
  | { op: 'sva_unbind'; device: string; mm: string }
  | { op: 'mm_exit'; mm: string }
  | { op: 'page_fault'; device: string; iova: bigint; flags: number }
  | { op: 'marker'; text: string }
  | { op: 'tick' };

export type CommandOp = KernelCommand['op'];
