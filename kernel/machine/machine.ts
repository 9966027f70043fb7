// A kernel model: executes commands against the state with a behaviour profile on an IOMMU
// platform, and returns the events they produced. decide(command, state) → events; the state
// it keeps is only the fold of those events (evolve), so a journal of them replays identically.
import { type IommuEvent, InputError, MarkerWritten, type Meta, PageFaulted, DmaApiCalled } from '../../domain-events/index.js';
import { initialState, type State } from '../../reducers/index.js';
import { iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { dmaAlloc, dmaFree } from '../dma/alloc.js';
import { iommuGetMsiCookie } from '../dma/cookie.js';
import { coreDomain } from '../dma/core-domain.js';
import { runDueTimers } from '../dma/flush-queue.js';
import { blkRqDmaMap, blkRqDmaUnmap } from '../dma/blk-rq-map.js';
import { dmaIovaDestroy, dmaIovaFree, dmaIovaLink, dmaIovaTryAlloc, dmaIovaUnlink } from '../dma/iova-link.js';
import { dmaMapPage, dmaUnmapPage } from '../dma/map.js';
import { dmaMapSg, dmaUnmapSg } from '../dma/map-sg.js';
import { iommufdAttach, iommufdBind, iommufdDetach, iommufdHwptAlloc, iommufdHwptDestroy, IommufdState, iommufdUnbind } from '../iommufd/device.js';
import { ioasAlloc, ioasMap, ioasUnmap } from '../iommufd/ioas.js';
import { iommufdAttachMsi } from '../iommufd/sw-msi.js';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';
import { iommuUnmapReserved } from '../reserved/bindings.js';
import { allocReservedIovaDomain, freeReservedIovaDomain } from '../reserved/window.js';
import { msiDisable, msiEnable } from './msi-route.js';
import { cpuDead, depotTick } from '../iova/index.js';
import { decideGlobalPasidAlloc, decideGlobalPasidFree, decidePasidDevice } from '../ioasid/index.js';
import { type Profile } from '../profile.js';
import { type KernelCommand } from './commands.js';
import { KernelCtx } from './ctx.js';
import { type IommuPlatform } from './platform.js';
import { mmExit, svaBind, svaUnbind } from './sva.js';
import { allocDomain, attach, detach, freeDomain, probe, remove } from './topology.js';
import { vfioDmaMap, vfioDmaUnmap, vfioGroupSetContainer, vfioGroupUnsetContainer, vfioSetIommu, VfioState } from './vfio.js';

export interface CommandResult {
  readonly events: readonly IommuEvent[];
  /** what the call returned: a DMA address, a domain id, an errno, a PASID … */
  readonly value: unknown;
  /** kernel WARNs that fired */
  readonly warn: number;
}

export class KernelModel {
  private mmPasids = new Map<string, number>();
  /** VFIO containers: user-space state, like the mm's PASID */
  private readonly vfio = new VfioState();
  private readonly iommufd = new IommufdState();
  /** set to stamp journal positions as events are made (a model writing one journal) */
  seqCounter: { next: number } | null = null;

  constructor(
    readonly profile: Profile,
    readonly platform: IommuPlatform,
    public state: State = initialState(),
  ) {}

  run(cmd: KernelCommand, meta: Meta = {}): CommandResult {
    const k = new KernelCtx(this.state, this.profile, { cmd: cmd.op, ...meta }, this.mmPasids, this.seqCounter);
    // lazy-mode flush-queue timers that fell due before this call run first
    if (meta.ts !== undefined && meta.ts !== null) runDueTimers(k, meta.ts);
    const value = this.exec(k, cmd);
    this.state = k.state;
    return { events: k.events, value, warn: k.warn };
  }

  private exec(k: KernelCtx, c: KernelCommand): unknown {
    const p = this.platform;
    switch (c.op) {
      case 'probe': {
        const domain = probe(k, p, c);
        if (c.maxPasids !== undefined) k.emit(...decidePasidDevice(c.device, c.maxPasids, k.meta));
        return domain;
      }
      case 'remove':
        return remove(k, c.device);
      case 'alloc_domain':
        return allocDomain(k, p, c.type, c.owner ?? 'driver', null, c.parent ?? null);
      case 'free_domain':
        return freeDomain(k, c.domain);
      case 'attach': {
        const r = attach(k, c.device, c.domain);
        iommufdAttachMsi(k, p, c.device);
        return r;
      }
      case 'detach':
        return detach(k, c.device);
      case 'get_msi_cookie':
        return iommuGetMsiCookie(k, c.domain, c.base ?? p.swMsi?.start ?? 0x8000000n);
      case 'iommu_map':
        return k.withPgtable(c.domain, (x) => iommuMap(x, coreDomain(k.state, c.domain), c.iova, c.paddr, c.size, c.prot)).errno;
      case 'iommu_unmap':
        return k.withPgtable(c.domain, (x) => {
          const n = iommuUnmap(x, coreDomain(k.state, c.domain), c.iova, c.size);
          // iommu_unmap (not _fast) syncs the IOTLB itself
          return n;
        });
      case 'dma_map_page':
        return dmaMapPage(k, c);
      case 'dma_unmap_page':
        return dmaUnmapPage(k, c);
      case 'dma_map_sg':
        return dmaMapSg(k, c.device, c.sg, c.dir, c.attrs, { maxSegSize: c.maxSegSize });
      case 'dma_unmap_sg':
        return dmaUnmapSg(k, c.device, c.dmaAddrs, c.sizes, c.physAddrs, c.dir);
      case 'dma_alloc':
        return dmaAlloc(k, { device: c.device, size: c.size, pages: c.pages, blocking: c.blocking ?? true, attrs: c.attrs });
      case 'dma_free':
        return dmaFree(k, c);
      case 'dma_sync':
        k.emit(DmaApiCalled.make({ device: c.device, call: c.forCpu ? 'sync_single_for_cpu' : 'sync_single_for_device', dir: c.dir, dmaAddr: c.dmaAddr, phys: null, size: c.size, attrs: '', gfp: null, sg: null, errno: null, domain: null }, k.meta));
        return null;
      case 'dma_iova_try_alloc':
        return dmaIovaTryAlloc(k, c.device, c.phys, c.size);
      case 'dma_iova_link':
        return dmaIovaLink(k, c.state, c);
      case 'dma_iova_unlink':
        return dmaIovaUnlink(k, c.state, c.offset, c.size);
      case 'dma_iova_free':
        return dmaIovaFree(k, c.state);
      case 'dma_iova_destroy':
        return dmaIovaDestroy(k, c.state, c.mappedLen);
      case 'blk_rq_map':
        return blkRqDmaMap(k, c.device, c.segs, c.dir);
      case 'blk_rq_unmap':
        return blkRqDmaUnmap(k, c.mapping);
      case 'msi_enable':
        return msiEnable(k, p, c.device, c.doorbell);
      case 'msi_disable':
        return msiDisable(k, c.device, c.doorbell, c.iova ?? null);
      case 'vfio_msi_window':
        // 2016: VFIO_DMA_MAP_FLAG_MSI_RESERVED_IOVA registers a window; merged: iommu_get_msi_cookie(domain, base)
        if (this.profile.msi.reservedSeries === 'reserved-iova-domain')
          return allocReservedIovaDomain(k, { domain: c.domain, iova: c.iova, size: c.size, order: 12, prot: IOMMU_WRITE });
        return iommuGetMsiCookie(k, c.domain, c.iova);
      case 'vfio_release': {
        if (this.profile.msi.reservedSeries !== 'reserved-iova-domain') return 0;
        const n = iommuUnmapReserved(k, c.domain);
        freeReservedIovaDomain(k, c.domain);
        return n;
      }
      case 'vfio_group_set_container':
        return vfioGroupSetContainer(k, p, this.vfio, c.device, c.container, c.scratch ?? 0n);
      case 'vfio_set_iommu':
        return vfioSetIommu(k, p, this.vfio, c.container, c.scratch ?? 0n);
      case 'vfio_dma_map':
        return vfioDmaMap(k, this.vfio, c.container, c.iova, c.size, c.paddr, c.prot ?? IOMMU_READ | IOMMU_WRITE);
      case 'vfio_dma_unmap':
        return vfioDmaUnmap(k, this.vfio, c.container, c.iova, c.size);
      case 'vfio_group_unset_container':
        return vfioGroupUnsetContainer(k, p, this.vfio, c.device);
      case 'reserved_domain_alloc':
        return allocReservedIovaDomain(k, { domain: c.domain, iova: c.iova, size: c.size, order: c.order ?? 12, prot: c.prot ?? IOMMU_WRITE });
      case 'reserved_domain_free':
        return freeReservedIovaDomain(k, c.domain);
      case 'unmap_reserved':
        return iommuUnmapReserved(k, c.domain);
      case 'ioas_alloc':
        return ioasAlloc(k, this.iommufd.iopts);
      case 'ioas_map':
        // ioas.c (6.12) conv_iommu_prot: IOMMU_CACHE always, READ / WRITE from the map flags
        return ioasMap(k, this.iommufd.iopts, c.ioas, { length: c.size, iova: c.iova ?? null, uptr: c.uptr ?? 0n, prot: c.prot ?? IOMMU_CACHE | IOMMU_READ | IOMMU_WRITE, pages: c.pages });
      case 'ioas_unmap':
        return ioasUnmap(k, this.iommufd.iopts, c.ioas, c.iova, c.size);
      case 'iommufd_bind':
        return iommufdBind(k, p, this.iommufd, c.device);
      case 'iommufd_attach':
        return iommufdAttach(k, p, this.iommufd, c.device, 'ioas' in c ? { ioas: c.ioas } : { hwpt: c.hwpt });
      case 'iommufd_hwpt_alloc':
        return iommufdHwptAlloc(k, p, this.iommufd, c.device, c.ioas);
      case 'iommufd_hwpt_destroy':
        return iommufdHwptDestroy(k, this.iommufd, c.hwpt);
      case 'iommufd_detach':
        return iommufdDetach(k, p, this.iommufd, c.device);
      case 'iommufd_unbind':
        return iommufdUnbind(k, p, this.iommufd, c.device);
      case 'depot_tick':
        return this.eachIovaDomain(k, (d) => k.withIova(d, (x) => depotTick(x)));
      case 'cpu_dead':
        return this.eachIovaDomain(k, (d) => k.withIova(d, (x) => cpuDead(x, c.cpu)));
      case 'pasid_alloc': {
        const ev = decideGlobalPasidAlloc(k.state.ioasid, c.device, k.meta);
        k.emit(...ev);
        return (ev[0] as Extract<IommuEvent, { type: 'PasidAllocated' }>).pasid;
      }
      case 'pasid_free':
        return k.emit(...decideGlobalPasidFree(k.state.ioasid, c.pasid, k.meta));
      case 'sva_bind':
        return svaBind(k, c.device, c.mm);
      case 'sva_unbind':
        return svaUnbind(k, c.device, c.mm);
      case 'mm_exit':
        return mmExit(k, c.mm);
      case 'page_fault': {
        const domain = k.state.topology.devices[c.device]?.domain ?? null;
        k.emit(PageFaulted.make({ device: c.device, driver: null, iova: c.iova, flags: c.flags, domain }, k.meta));
        return null;
      }
      case 'marker':
        k.emit(MarkerWritten.make({ text: c.text }, k.meta));
        return null;
      case 'tick':
        return null;
      default: {
        const never: never = c;
        throw new InputError(`unknown command ${JSON.stringify((never as { op: string }).op)}`);
      }
    }
  }

  private eachIovaDomain(k: KernelCtx, fn: (domain: number) => number | void): number {
    let n = 0;
    for (const id of k.state.iova.domains.keys()) n += fn(id) || 0;
    return n;
  }
}

