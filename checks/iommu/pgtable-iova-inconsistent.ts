// "Page tables inconsistent with the IOVA allocator" (the 2015 dma-iommu review): an IOVA range
// handed back to the allocator while its pages are still mapped (the next allocation would map
// over them), or pages mapped at an IOVA the allocator never handed out. Judged only in domains
// whose allocator the journal records (IovaDomainInitialised / IovaAllocated): model runs, and
// imported traces for the DMA domains whose allocator the importer mirrors. The check keeps its
// own copy of the rbtree's nodes (iova.c (6.1, 6.12): an rcache-held range stays a node), which is all it
// needs of the allocator: the iova reducer's nodes exactly, domain by domain (the shadow does not
// run that reducer, whose rcache bookkeeping costs more than every check together), so a resumed
// run takes them from the checkpoint's state.
import { type IommuEvent } from '../../domain-events/index.js';
import { PMap, type State, Tx } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { coveredPages, domainName, hexb, liveRuns } from './live.js';

interface Allocator {
  granule: number;
  /** pfn_lo -> pfn_hi of every node, reserved ones included (direct regions are mapped there) */
  nodes: PMap<number>;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** the granule pfn of an address (in numbers while they are exact: granules are powers of two, iova.c init_iova_domain) */
function granuleOf(addr: bigint, granule: number): number {
  return addr <= SAFE ? Math.floor(Number(addr) / granule) : Number(addr / BigInt(granule));
}

/** the node holding [lo, hi] (granule pfns), if one does: the one starting at or below lo ends at or after hi */
function holds(a: Allocator, lo: number, hi: number): boolean {
  const nodeHi = a.nodes.floorValue(lo);
  return nodeHi !== undefined && nodeHi >= hi;
}

/** The allocator domains as the iova reducer keeps them: which exist, their granule and nodes. */
class Allocators {
  private readonly tx = new Tx();
  private readonly doms = new Map<number, Allocator>();

  get(id: number): Allocator | undefined {
    return this.doms.get(id);
  }

  /** the reducer's implicit domain for one the journal uses before initialising it (iommu_dma_init_domain defaults) */
  use(id: number): Allocator {
    let a = this.doms.get(id);
    if (a === undefined) this.doms.set(id, (a = { granule: 4096, nodes: PMap.empty() }));
    return a;
  }

  /** follows the iova reducer's handling of the event (reducers/iova-domains.ts), nodes only */
  apply(e: IommuEvent): void {
    const tx = this.tx;
    switch (e.type) {
      case 'IovaDomainInitialised':
        if (e.errno === null) this.doms.set(e.domain, { granule: e.granule, nodes: PMap.empty() });
        return;
      case 'IovaDomainPut':
      case 'CookiePut':
        // iommu_put_dma_cookie destroys the iova_domain with the cookie
        this.doms.delete(e.domain);
        return;
      case 'IovaRangeReserved': {
        if (!e.ok) return;
        const a = this.use(e.domain);
        for (const x of e.extended) {
          const hi = a.nodes.get(x.from);
          if (hi !== undefined) a.nodes = a.nodes.delete(x.from, tx).set(x.to, hi, tx);
        }
        if (e.inserted) a.nodes = a.nodes.set(e.inserted.pfnLo, e.inserted.pfnHi, tx);
        return;
      }
      case 'IovaAllocated': {
        const a = this.use(e.domain);
        // an rcache hit hands out a range that stayed a node
        if (!e.fromRcache) a.nodes = a.nodes.set(e.pfnLo, e.pfnHi, tx);
        return;
      }
      case 'IovaFreed': {
        const a = this.use(e.domain);
        a.nodes = a.nodes.delete(e.pfnLo, tx);
        return;
      }
      case 'IovaAllocFailed':
      case 'IovaCached':
      case 'RcacheChanged':
        this.use(e.domain);
        return;
      default:
        return;
    }
  }

  /** the allocators of a checkpoint's state (persistent maps: shared, never changed in place) */
  restore(s: State): void {
    this.doms.clear();
    s.iova.domains.forEach((id, d) => void this.doms.set(id, { granule: d.granule, nodes: d.nodes }));
  }
}

export const pgtableIovaInconsistent: Check = defineCheck({
  id: 'iommu/pgtable-iova-inconsistent',
  version: 3,
  severity: 'error',
  description: 'IOVA freed while its pages are still mapped, or pages mapped at an IOVA the allocator did not hand out',
  on: ['IovaDomainInitialised', 'IovaDomainPut', 'CookiePut', 'IovaAllocated', 'IovaAllocFailed', 'IovaRangeReserved', 'IovaFreed', 'IovaCached', 'RcacheChanged', 'Mapped'],
  create: () => {
    const doms = new Allocators();
    return {
      inspect(e, s, emit) {
        switch (e.type) {
          case 'IovaFreed': {
            const a = doms.use(e.domain);
            const g = BigInt(a.granule);
            const lo = BigInt(e.pfnLo) * g;
            const size = BigInt(e.pfnHi - e.pfnLo + 1) * g;
            const runs = liveRuns(s, e.domain, lo, size, e);
            if (runs.length === 0) break;
            emit({
              message: `free_iova: [${hexb(lo)}, ${hexb(lo + size)}) of ${domainName(s, e.domain)} went back to the allocator (${e.via}) with ${coveredPages(runs, lo, size)} page(s) still mapped: the next allocation maps over them`,
              related: runs.map((r) => r.seq),
              domain: e.domain,
              address: lo,
            });
            break;
          }
          case 'Mapped': {
            const a = doms.get(e.domain);
            if (a === undefined || s.cookies.byDomain[e.domain]?.kind !== 'dma') return;
            if (holds(a, granuleOf(e.iova, a.granule), granuleOf(e.iova + e.size - 1n, a.granule))) return;
            emit({
              message: `iommu_map: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)} is not allocated in the domain's IOVA allocator: page tables and allocator disagree`,
              domain: e.domain,
              address: e.iova,
            });
            return;
          }
          default:
            break;
        }
        doms.apply(e);
      },
      restore(s) {
        doms.restore(s);
      },
    };
  },
});
