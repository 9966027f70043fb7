// Use of a freed domain (iommu_domain_free already ran) or of a put cookie
// (iommu_put_dma_cookie): any later map, unmap, attach, IOVA or doorbell operation on it.
import { EVENT_TYPES, eventDefs, type IommuEvent } from '../../domain-events/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { type CookiesState, type TopologyState } from '../../reducers/index.js';
import { type ShadowState } from '../shadow.js';

/** events that need a live cookie (dma-iommu.c: domain->iova_cookie) */
const NEEDS_COOKIE = new Set(['IovaAllocated', 'IovaFreed', 'IovaCached', 'MsiPageGot', 'FlushQueued', 'MsiCookieIovaMoved']);
/** events that legitimately name a dead domain or cookie, or bring it back */
const EXEMPT = new Set(['DomainAllocated', 'DmaCookieGot', 'MsiCookieGot', 'IovaDomainPut', 'CookiePut', 'FlushQueueDrained', 'PgtableTableFreed', 'IovaDomainInitialised']);

function domainOf(e: IommuEvent): number | null {
  const d = (e as { domain?: unknown }).domain;
  return typeof d === 'number' ? d : null;
}

function freed(s: ShadowState, domain: number): number | null {
  return s.topology.domains[domain]?.freedSeq ?? null;
}

export const useAfterFree: Check = defineCheck({
  id: 'iommu/use-after-free',
  version: 1,
  severity: 'error',
  description: 'an operation on a domain after iommu_domain_free, or on a cookie after iommu_put_dma_cookie',
  on: EVENT_TYPES.filter((t) => 'domain' in eventDefs.get(t)!.fields && !EXEMPT.has(t)),
  create: () => {
    // whether any domain was freed or any cookie put, asked again only when the (immer, so
    // replaced on change) topology or cookies change: until then no event can be a use after free
    let topology: TopologyState | null = null;
    let cookies: CookiesState | null = null;
    let anyGone = false;
    return {
      inspect(e, s, emit) {
        if (s.topology !== topology || s.cookies !== cookies) {
          topology = s.topology;
          cookies = s.cookies;
          anyGone = Object.keys(cookies.putSeq).length > 0 || Object.values(topology.domains).some((x) => x.freedSeq !== null);
        }
        if (!anyGone) return;
        const d = domainOf(e);
        if (d === null) return;
        const f = freed(s, d);
        if (f !== null) {
          emit({ message: `${e.type}${e.cmd ? ` (${e.cmd})` : ''} on domain ${d}, freed by iommu_domain_free at #${f}: use after free`, related: [f], domain: d });
          return;
        }
        const put = s.cookies.putSeq[d];
        if (put !== undefined && NEEDS_COOKIE.has(e.type) && s.cookies.byDomain[d] === undefined)
          emit({ message: `${e.type}${e.cmd ? ` (${e.cmd})` : ''} on domain ${d} needs its DMA cookie, put by iommu_put_dma_cookie at #${put}: use after free`, related: [put], domain: d });
      },
    };
  },
});
