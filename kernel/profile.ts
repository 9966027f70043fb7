// Behaviour profiles: a named bundle of the switches in which kernel versions and patch series
// differ (reference §9). Deciders read switches, never version numbers. Adding a kernel version
// or a series is one small file in profiles/ plus the code that truly differs.

export interface IovaSwitches {
  /** rcache depot: ≤32 full magazines per size class (6.1) or an unbounded list trimmed by delayed work (6.7+) */
  readonly depot: 'array32' | 'list+trim';
  /** when depot trimming runs: never, only at explicit depot_tick commands, or every 100 ms of trace time */
  readonly depotTrimTiming: 'never' | 'explicit-ticks' | 'wallclock-100ms';
  /** IOVA_MAG_SIZE */
  readonly magSize: 127 | 128;
  /** iova_magazine_pop: first fitting pfn from the top (scan) or only the top one */
  readonly magPop: 'scan' | 'top-only';
  /** second search pass above the cached node (v5.11+) */
  readonly retry: boolean;
  /** max32_alloc_size fast-fail (~v5.0+) */
  readonly max32: boolean;
  /** what alloc_iova_fast flushes before its retry */
  readonly flushOnFail: 'cpu-only' | 'cpu+depot';
}

export interface DmaSwitches {
  /** PCI 32-bit-first IOVA rule: every allocation (6.1), sticky per device (6.12), off (iommu.forcedac=1) */
  readonly pci32: 'every-time' | 'sticky-per-device' | 'off';
  /** where sizes below 32 pfns are rounded up (same IOVAs either way) */
  readonly roundupSite: 'caller' | 'allocator';
  /** allocator start pfn: from the arch base and the aperture (6.1) or the aperture only (6.12+) */
  readonly startPfn: 'base-and-aperture' | 'aperture';
  /** default DMA domain: strict (DMA) or lazy (DMA_FQ) */
  readonly fq: 'strict' | 'lazy';
  /** flush-queue shape when lazy */
  readonly fqQueue: 'percpu' | 'single';
  /** DMA_FQ allowed only when the IOMMU has IOMMU_CAP_DEFERRED_FLUSH (6.12+) */
  readonly fqNeedsCap: boolean;
  /** IOVA calls of the DMA layer: alloc_iova_fast/free_iova_fast with rcaches (v4.7+), or plain alloc_iova/__free_iova (2015 common ops) */
  readonly iovaApi: 'fast' | 'alloc_iova';
  /**
   * dma_iova_try_alloc / dma_iova_link / dma_iova_unlink / dma_iova_free exist (dma-iommu.c
   * 7.3.4; absent from 6.12.117): one IOVA range per request, pages linked into it later
   */
  readonly iovaLink: boolean;
}

export interface MsiSwitches {
  /** doorbell IOVA for iommufd-owned domains: the domain's MSI cookie (≤6.14) or the fd-global table (6.15+) */
  readonly iommufdPlacement: 'msi-cookie' | 'iommufd-global';
  /** a device attached to a NESTED domain: no translation (≤6.14), stage-2 parent, or the 2023 get_unmanaged_domain proposal */
  readonly nested: 'untranslated' | 's2-parent' | 'get-unmanaged-domain';
  /** 2016 dma-reserved-iommu series (never merged) or the merged cookie MSI page list */
  readonly reservedSeries: 'merged-cookie' | 'reserved-iova-domain';
  /** reserved-series bindings kept in an rbtree by PA or a list (v7 review question) */
  readonly reservedIndex: 'rbtree' | 'list';
  /** reserved-series put: by the IOVA the get returned (v6, translated back) or by physical address with a window prot check (v7) */
  readonly reservedPutKey: 'iova' | 'phys';
  /** prot of a doorbell mapping */
  readonly prot: 'w-noexec-mmio' | 'rw-mmio';
}

export interface PgtableSwitches {
  /** ARM LPAE partial unmap of a block: split it (≤6.13) or refuse (6.14+) */
  readonly splitOnUnmap: 'split' | 'refuse';
  /** TLB calls when unmap clears a table entry: walk flush only (6.1) or also tlb_add_page (6.12+) */
  readonly armTableUnmapTlb: 'walk-only' | 'walk+add_page';
}

export interface CoreSwitches {
  /**
   * `map` trace and unroll: iommu.c (6.1, 6.12) __iommu_map traces a successful map only and
   * unrolls only once map_pages ran; iommu.c (7.3.4) iommu_map_nosync traces every attempt that
   * passed its WARN_ON_ONCE checks with the bytes mapped, and unrolls (iommu_unmap of those
   * bytes, traced even when 0) after every failure, the ENODEV and alignment refusals included
   */
  readonly mapTrace: 'on-success' | 'always-bytes-mapped';
  /** `unmap` trace on a misaligned request: none (6.1/6.12) or with unmapped_size 0 (7.3.4 __iommu_unmap) */
  readonly unmapTraceMisaligned: boolean;
  /** detach_device_from_domain exists (6.1) */
  readonly detachEvent: boolean;
  /** order and codes of iommu_map's argument checks */
  readonly mapChecks: '6.1' | '6.12' | '7.3';
  /** a group's blocking domain (DMA ownership claimed): an empty UNMANAGED domain where drivers lack BLOCKED (6.1), or BLOCKED (6.12) */
  readonly blockingDomain: 'unmanaged' | 'blocked';
}

export interface PasidSwitches {
  readonly allocator: 'ioasid' | 'global-ida';
  /** reuse of an mm's PASID: 6.1 off-by-one range check, or the device max_pasids check (iommu-sva.c 6.12, 7.3.4) */
  readonly svaRangeCheck: '6.1' | 'max-pasids';
}

export interface Profile {
  readonly name: string;
  /** one line for `simulate --list` */
  readonly description: string;
  /** the kernel release whose sources the profile follows */
  readonly kernel: string;
  readonly iova: IovaSwitches;
  readonly dma: DmaSwitches;
  readonly msi: MsiSwitches;
  readonly pgtable: PgtableSwitches;
  readonly core: CoreSwitches;
  readonly pasid: PasidSwitches;
  /**
   * cookie ownership: a typed cookie pointer (dma-iommu.c 6.1, 6.12: -EEXIST only when a DMA or
   * MSI cookie exists) or domain->cookie_type (7.3.4: -EEXIST for any owner, iommufd's included)
   */
  readonly cookieModel: 'typed-pointer' | 'cookie-type';
}

/** Boot options and axes a user may flip on any profile (`simulate --lazy --forcedac …`). */
export interface Switches {
  readonly strict?: boolean;
  readonly lazy?: boolean;
  readonly forcedac?: boolean;
  readonly splitOnUnmap?: 'split' | 'refuse';
  readonly depot?: 'array32' | 'list+trim';
  /** 2016 reserved series: bindings in an rbtree by PA or a list (v7 review question) */
  readonly reservedIndex?: 'rbtree' | 'list';
}

export function applySwitches(p: Profile, s: Switches): Profile {
  const tags: string[] = [];
  let out: Profile = p;
  if (s.lazy || s.strict) {
    const fq = s.lazy ? 'lazy' : 'strict';
    out = { ...out, dma: { ...out.dma, fq } };
    tags.push(fq);
  }
  if (s.forcedac) {
    out = { ...out, dma: { ...out.dma, pci32: 'off' } };
    tags.push('forcedac');
  }
  if (s.splitOnUnmap) {
    out = { ...out, pgtable: { ...out.pgtable, splitOnUnmap: s.splitOnUnmap } };
    tags.push(`${s.splitOnUnmap}-partial-unmap`);
  }
  if (s.depot) {
    out = { ...out, iova: { ...out.iova, depot: s.depot } };
    tags.push(`depot-${s.depot}`);
  }
  if (s.reservedIndex) {
    out = { ...out, msi: { ...out.msi, reservedIndex: s.reservedIndex } };
    tags.push(`reserved-${s.reservedIndex}`);
  }
  return tags.length ? { ...out, name: `${p.name}+${tags.join('+')}` } : out;
}
