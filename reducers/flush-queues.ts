// dma-iommu flush queues (dma-iommu.c struct iova_fq and the cookie's fq counters): per domain
// and CPU, the IOVAs unmapped lazily that wait for an IOTLB flush before they may be reused.
import { editable, editableArray, type Owned } from './owned.js';
import { PMap, type Tx } from './pmap.js';
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
  /** fq_flush_start_cnt / fq_flush_finish_cnt: full IOTLB flushes started and finished */
  readonly startCnt: number;
  readonly finishCnt: number;
  /** fq_timer_on: due time (ns) and the CPU that armed it */
  readonly timerDeadline: number | null;
  readonly timerCpu: number | null;
  readonly flushes: number;
}

export interface FlushQueuesState extends Owned {
  readonly domains: PMap<DomainFq>;
}

type W = { -readonly [K in keyof DomainFq]: DomainFq[K] };

function emptyFq(domain: number): DomainFq {
  return { domain, queues: [], queued: 0, startCnt: 0, finishCnt: 0, timerDeadline: null, timerCpu: null, flushes: 0 };
}

function update(s: FlushQueuesState, domain: number, tx: Tx, fn: (d: W) => void): FlushQueuesState {
  const d = editable(s.domains.get(domain) ?? emptyFq(domain), tx) as W & Owned;
  fn(d);
  const st = editable(s, tx);
  (st as { domains: PMap<DomainFq> }).domains = s.domains.set(domain, d as DomainFq, tx);
  return st;
}

export const flushQueuesSlice = transientSlice<FlushQueuesState>({
  name: 'flushQueues',
  initial: { domains: PMap.empty() },
  on: {
    FlushQueued(s, e, tx) {
      const cpu = e.cpu ?? 0;
      return update(s, e.domain, tx, (d) => {
        const queues = editableArray(d.queues, tx);
        while (queues.length <= cpu) queues.push([]);
        const q = editableArray(queues[cpu], tx);
        q.push({ pfn: e.pfn, pages: e.pages, counter: e.counter, seq: e.seq });
        queues[cpu] = q;
        d.queues = queues;
        d.queued += 1;
        if (e.timerDeadline !== null) {
          d.timerDeadline = e.timerDeadline;
          d.timerCpu = cpu;
        }
      });
    },
    FlushQueueDrained(s, e, tx) {
      if (!s.domains.has(e.domain)) return s;
      const cpu = e.cpu ?? 0;
      return update(s, e.domain, tx, (d) => {
        const queues = editableArray(d.queues, tx);
        const n = Math.min(e.entries, queues[cpu]?.length ?? 0);
        if (queues[cpu]) queues[cpu] = queues[cpu].slice(n);
        d.queues = queues;
        d.queued -= n;
      });
    },
    FlushQueueTimerExpired(s, e, tx) {
      return update(s, e.domain, tx, (d) => {
        d.timerDeadline = null;
        d.timerCpu = null;
      });
    },
    IotlbFlushed(s, e, tx) {
      // fq_flush_iotlb: start++, flush_iotlb_all, finish++ (only cookies with a flush queue care)
      if (e.flushAll === 0 || !s.domains.has(e.domain)) return s;
      return update(s, e.domain, tx, (d) => {
        d.startCnt += e.flushAll;
        d.finishCnt += e.flushAll;
        d.flushes += e.flushAll;
      });
    },
    CookiePut(s, e, tx) {
      if (!s.domains.has(e.domain)) return s;
      const st = editable(s, tx);
      (st as { domains: PMap<DomainFq> }).domains = s.domains.delete(e.domain, tx);
      return st;
    },
  },
  snapshot(s) {
    return s.domains.entries().map(([, d]) => ({ ...d, queues: d.queues.map((q) => q.slice()) }));
  },
  restore(data) {
    const list = data as DomainFq[];
    return { domains: PMap.fromSorted(list.map((d) => d.domain), list) };
  },
  hash(s, h) {
    s.domains.forEach((id, d) => {
      h.add('fq', id, d.queued, d.startCnt, d.finishCnt, d.timerDeadline, d.timerCpu, d.flushes);
      d.queues.forEach((q, cpu) => q.forEach((x) => h.add('q', cpu, x.pfn, x.pages, x.counter, x.seq)));
    });
  },
});
