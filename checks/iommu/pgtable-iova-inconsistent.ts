// "Page tables inconsistent with the IOVA allocator" (the 2015 dma-iommu review): an IOVA range
// handed back to the allocator while its pages are still mapped (the next allocation would map
// over them), or pages mapped at an IOVA the allocator never handed out. Judged only in domains
// whose allocator the journal records (IovaDomainInitialised / IovaAllocated): model runs, and
// imported traces for the DMA domains whose allocator the importer mirrors. The check keeps its own copy of the rbtree's nodes (iova.c: an rcache-held range stays
// a node), which is all it needs of the allocator.
import { PMap, Tx } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { coveredPages, domainName, hexb, liveRuns } from './live.js';

interface Allocator {
  granule: number;
  /** pfn_lo -> pfn_hi of every node, reserved ones included (direct regions are mapped there) */
  nodes: PMap<number>;
}

/** the node holding [lo, hi] (granule pfns), if one does */
function holds(a: Allocator, lo: number, hi: number): boolean {
  const k = a.nodes.floorKey(lo);
  return k !== undefined && a.nodes.get(k)! >= hi;
}

export const pgtableIovaInconsistent: Check = defineCheck({
  id: 'iommu/pgtable-iova-inconsistent',
  version: 2,
  severity: 'error',
  description: 'IOVA freed while its pages are still mapped, or pages mapped at an IOVA the allocator did not hand out',
  on: ['IovaDomainInitialised', 'IovaDomainPut', 'IovaAllocated', 'IovaRangeReserved', 'IovaFreed', 'Mapped'],
  create: () => {
    const tx = new Tx();
    const doms = new Map<number, Allocator>();
    const dom = (id: number): Allocator => doms.get(id) ?? doms.set(id, { granule: 4096, nodes: PMap.empty() }).get(id)!;
    return {
      inspect(e, s, emit) {
        switch (e.type) {
          case 'IovaDomainInitialised':
            if (e.errno === null) doms.set(e.domain, { granule: e.granule, nodes: PMap.empty() });
            return;
          case 'IovaDomainPut':
            doms.delete(e.domain);
            return;
          case 'IovaAllocated': {
            const a = dom(e.domain);
            a.nodes = a.nodes.set(e.pfnLo, e.pfnHi, tx);
            return;
          }
          case 'IovaRangeReserved': {
            if (!e.ok) return;
            const a = dom(e.domain);
            for (const x of e.extended) {
              const hi = a.nodes.get(x.from);
              if (hi !== undefined) a.nodes = a.nodes.delete(x.from, tx).set(x.to, hi, tx);
            }
            if (e.inserted) a.nodes = a.nodes.set(e.inserted.pfnLo, e.inserted.pfnHi, tx);
            return;
          }
          case 'IovaFreed': {
            const a = dom(e.domain);
            a.nodes = a.nodes.delete(e.pfnLo, tx);
            const g = BigInt(a.granule);
            const lo = BigInt(e.pfnLo) * g;
            const size = BigInt(e.pfnHi - e.pfnLo + 1) * g;
            const runs = liveRuns(s, e.domain, lo, size, e);
            if (runs.length === 0) return;
            emit({
              message: `free_iova: [${hexb(lo)}, ${hexb(lo + size)}) of ${domainName(s, e.domain)} went back to the allocator (${e.via}) with ${coveredPages(runs, lo, size)} page(s) still mapped: the next allocation maps over them`,
              related: runs.map((r) => r.seq),
              domain: e.domain,
              address: lo,
            });
            return;
          }
          case 'Mapped': {
            const a = doms.get(e.domain);
            if (a === undefined || s.cookies.byDomain[e.domain]?.kind !== 'dma') return;
            const g = BigInt(a.granule);
            if (holds(a, Number(e.iova / g), Number((e.iova + e.size - 1n) / g))) return;
            emit({
              message: `iommu_map: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)} is not allocated in the domain's IOVA allocator: page tables and allocator disagree`,
              domain: e.domain,
              address: e.iova,
            });
            return;
          }
          default:
            return;
        }
      },
    };
  },
});
