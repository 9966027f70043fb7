// The hand-written mutable baseline: what a quick printk-replacement script would do with the
// same events (plain Maps mutated in place, no history, no snapshots). The reducers must stay
// within 1.5x of it.
import { type IommuEvent } from '../domain-events/index.js';

interface MRun {
  pfn: number;
  ppfn: number;
  pages: number;
}

interface MDomain {
  runs: Map<number, MRun>;
  nodes: Map<number, number>;
  cached: number[][];
  mappedPages: number;
}

export function baselineReplay(events: readonly IommuEvent[]): { mappedPages: number; events: number } {
  const domains = new Map<number, MDomain>();
  const dma = new Map<string, Map<bigint, bigint>>();
  const byType = new Map<string, number>();
  const dom = (id: number): MDomain => {
    let d = domains.get(id);
    if (!d) domains.set(id, (d = { runs: new Map(), nodes: new Map(), cached: [[], [], [], [], [], []], mappedPages: 0 }));
    return d;
  };
  for (const e of events) {
    byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    switch (e.type) {
      case 'Mapped': {
        const d = dom(e.domain);
        const pfn = Number(e.iova >> 12n);
        const pages = Number(e.size >> 12n);
        d.runs.set(pfn, { pfn, ppfn: Number(e.paddr >> 12n), pages });
        d.mappedPages += pages;
        break;
      }
      case 'Unmapped': {
        const d = dom(e.domain);
        const pfn = Number(e.iova >> 12n);
        const r = d.runs.get(pfn);
        if (r) {
          d.runs.delete(pfn);
          d.mappedPages -= r.pages;
        }
        break;
      }
      case 'IovaAllocated':
        if (!e.fromRcache) dom(e.domain).nodes.set(e.pfnLo, e.pfnHi);
        break;
      case 'IovaFreed':
        dom(e.domain).nodes.delete(e.pfnLo);
        break;
      case 'IovaCached':
        dom(e.domain).cached[e.order].push(e.pfn);
        break;
      case 'DmaApiCalled': {
        let m = dma.get(e.device);
        if (!m) dma.set(e.device, (m = new Map()));
        if (e.dmaAddr === null) break;
        if (e.call.startsWith('map') || e.call.startsWith('alloc')) m.set(e.dmaAddr, e.size ?? 0n);
        else m.delete(e.dmaAddr);
        break;
      }
      default:
        break;
    }
  }
  let mapped = 0;
  for (const d of domains.values()) mapped += d.mappedPages;
  return { mappedPages: mapped, events: events.length };
}
