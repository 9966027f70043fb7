// dma-iommu flush queues (dma-iommu.c struct iova_fq): per domain and CPU, the IOVAs unmapped
// lazily and waiting for the next IOTLB flush before they may be reused.
import { editable, editableArray, type Owned } from './owned.js';
import { PMap } from './pmap.js';
import { transientSlice } from './slice.js';

export interface FqEntry {
  readonly pfn: number;
  readonly pages: number;
  readonly counter: number;
  readonly seq: number;
}

export interface DomainFq extends Owned {
  readonly domain: number;
  /** per CPU, oldest first */
  readonly queues: readonly (readonly FqEntry[] & Owned)[] & Owned;
  readonly queued: number;
  readonly flushes: number;
}

export interface FlushQueuesState extends Owned {
  readonly domains: PMap<DomainFq>;
}

type W = { -readonly [K in keyof DomainFq]: DomainFq[K] };

export const flushQueuesSlice = transientSlice<FlushQueuesState>({
  name: 'flushQueues',
  initial: { domains: PMap.empty() },
  on: {
    FlushQueued(s, e, tx) {
      const cpu = e.cpu ?? 0;
      const d = editable(s.domains.get(e.domain) ?? { domain: e.domain, queues: [], queued: 0, flushes: 0 }, tx) as W & Owned;
      const queues = editableArray(d.queues, tx);
      while (queues.length <= cpu) queues.push([]);
      const q = editableArray(queues[cpu], tx);
      q.push({ pfn: e.pfn, pages: e.pages, counter: e.counter, seq: e.seq });
      queues[cpu] = q;
      d.queues = queues;
      d.queued += 1;
      const st = editable(s, tx);
      (st as { domains: PMap<DomainFq> }).domains = s.domains.set(e.domain, d as DomainFq, tx);
      return st;
    },
    FlushQueueDrained(s, e, tx) {
      const cur = s.domains.get(e.domain);
      if (!cur) return s;
      const cpu = e.cpu ?? 0;
      const d = editable(cur, tx) as W & Owned;
      const queues = editableArray(d.queues, tx);
      if (queues[cpu]) queues[cpu] = queues[cpu].slice(e.entries);
      d.queues = queues;
      d.queued -= Math.min(e.entries, cur.queues[cpu]?.length ?? 0);
      d.flushes += 1;
      const st = editable(s, tx);
      (st as { domains: PMap<DomainFq> }).domains = s.domains.set(e.domain, d as DomainFq, tx);
      return st;
    },
    CookiePut(s, e, tx) {
      if (!s.domains.has(e.domain)) return s;
      const st = editable(s, tx);
      (st as { domains: PMap<DomainFq> }).domains = s.domains.delete(e.domain, tx);
      return st;
    },
  },
  snapshot(s) {
    return s.domains.entries().map(([, d]) => ({ domain: d.domain, queues: d.queues.map((q) => q.slice()), queued: d.queued, flushes: d.flushes }));
  },
  restore(data) {
    const list = data as DomainFq[];
    return { domains: PMap.fromSorted(list.map((d) => d.domain), list) };
  },
  hash(s, h) {
    s.domains.forEach((id, d) => {
      h.add('fq', id, d.queued, d.flushes);
      d.queues.forEach((q, cpu) => q.forEach((x) => h.add('q', cpu, x.pfn, x.pages, x.counter, x.seq)));
    });
  },
});
