// A map with no DMA-API event on a kernel that traces them (6.12+): most often an iommu_map()
// by its caller (VFIO type1, iommufd) into an UNMANAGED domain, at an IOVA the caller chose. Not
// always: 7.x's dma_iova_link path maps pages of a dma_iova_try_alloc range with no dma:* event
// (dma-iommu.c 7.3), into the device's DMA domain. So it weighs toward UNMANAGED domains; it
// does not decide.
import { type Ballot } from '../combine.js';
import { mapCall } from './dma-event.js';
import { type MapQuery, type MapWeigher } from './scene.js';

export const callerMap: MapWeigher = {
  kind: 'caller-map',
  readsIova: false,
  weigh(q: MapQuery, b: Ballot): void {
    if (!q.s.sighted || q.doorbell || mapCall(q.s.window, q.i)) return;
    const lr = Math.log(q.s.w.callerMap);
    for (const d of b.cands) if (d.type === 'UNMANAGED') b.add('caller-map', d.id, lr);
  },
};
