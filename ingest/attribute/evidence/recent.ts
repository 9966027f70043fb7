// Time locality: the domain with the most recent traffic is a little more likely to have the
// next line than the others (a device is driven in bursts). A weak prior, never decisive when
// anything else speaks, and only as strong as that traffic was surely placed there (the last
// line is attribution's own decision: a guess must not confirm itself). Traffic is what drivers
// map and unmap: the IOMMU core's own setup of a domain (attach lines, the identity maps of direct
// regions it creates then, iommu.c iommu_create_device_direct_mappings) says nothing about which
// device is driven next.
import { type Ballot } from '../combine.js';
import { type MapQuery, type UnmapQuery } from './scene.js';

export function recent(q: MapQuery | UnmapQuery, b: Ballot): void {
  // the task's first map since a driver logged its probe of a device (probe.ts) starts that
  // device's traffic: the burst before it is over and says nothing about this line (weighed
  // against the probe, it placed a newly probed NVMe and AHCI disk's first ring in the domain of
  // the virtio disk probed before them)
  if (b.has('probe')) return;
  let best = b.cands[0];
  for (const d of b.cands) if (d.lastActivity > best.lastActivity) best = d;
  if (best && best.lastActivity >= 0) b.add('recent', best.id, Math.log(1 - best.lastConf + best.lastConf * q.s.w.recent));
}
