// The IOVA allocator's state per domain (iova.c struct iova_domain): the rbtree of allocated,
// reserved and rcache-held ranges (a persistent map pfn_lo -> pfn_hi; the anchor is implicit),
// the cached-node hints, max32_alloc_size and the per-CPU range caches. The events carry every
// outcome, so these handlers only record it.
import { type IovaDomainInitialised } from '../domain-events/index.js';
import { editable, type Owned, ownedBy } from './owned.js';
import { PMap, type Tx } from './pmap.js';
import { applyRcacheChange, newRcaches, popPfnAt, pushPfn, type Rcaches, rcachesFromPlain, rcachesToPlain } from './rcache-state.js';
import { transientSlice } from './slice.js';
import { decodeIova, decodeIovaDelta, encodeIova, encodeIovaDelta } from './checkpoint-iova.js';

export interface IovaDomainState extends Owned {
  readonly domain: number;
  readonly granule: number;
  readonly startPfn: number;
  readonly dma32bitPfn: number;
  readonly cpus: number;
  /** pfn_lo -> pfn_hi of every node except the anchor */
  readonly nodes: PMap<number>;
  /** pfn_lo of cached_node / cached32_node; null = the anchor */
  readonly cachedNode: number | null;
  readonly cached32Node: number | null;
  readonly max32AllocSize: number;
  readonly rcaches: Rcaches | null;
  /** pfns currently allocated to callers (nodes minus reserved and cached ones is not tracked by the kernel) */
  readonly allocs: number;
  readonly failures: number;
  /** reserved nodes, by pfn_lo, for the IOVA-tree view */
  readonly reserved: PMap<string>;
  readonly initSeq: number;
}

export interface IovaState extends Owned {
  readonly domains: PMap<IovaDomainState>;
}

function fresh(e: Pick<IovaDomainInitialised, 'domain' | 'granule' | 'startPfn' | 'dma32bitPfn' | 'cpus' | 'rcaches'>, seq: number): IovaDomainState {
  return {
    domain: e.domain,
    granule: e.granule,
    startPfn: e.startPfn,
    dma32bitPfn: e.dma32bitPfn,
    cpus: e.cpus,
    nodes: PMap.empty(),
    cachedNode: null,
    cached32Node: null,
    max32AllocSize: e.dma32bitPfn,
    rcaches: e.rcaches ? newRcaches(e.cpus) : null,
    allocs: 0,
    failures: 0,
    reserved: PMap.empty(),
    initSeq: seq,
  };
}

/** A domain the journal uses before initialising it (imported traces): iommu_dma_init_domain defaults. */
function implicitDomain(domain: number, seq: number): IovaDomainState {
  return fresh({ domain, granule: 4096, startPfn: 1, dma32bitPfn: 1 << 20, cpus: 0, rcaches: true }, seq);
}

/** the state the last `open` returned a domain of */
let opened: IovaState = { domains: PMap.empty() };

/**
 * The domain's record, editable under tx, in the state left in `opened`: what update() does,
 * without a callback per event (the allocator's events are a third of a journal).
 */
function open(s: IovaState, domain: number, seq: number, tx: Tx): IovaDomainState & { _tx: Tx } {
  const cur = s.domains.get(domain);
  if (cur !== undefined && ownedBy(cur, tx) && ownedBy(s, tx)) {
    opened = s;
    return cur as IovaDomainState & { _tx: Tx };
  }
  const d = editable(cur ?? implicitDomain(domain, seq), tx);
  const st = editable(s, tx);
  (st as { domains: PMap<IovaDomainState> }).domains = s.domains.set(domain, d, tx);
  opened = st;
  return d;
}

function update(s: IovaState, domain: number, seq: number, tx: Tx, fn: (d: IovaDomainState & { _tx: Tx }) => void): IovaState {
  fn(open(s, domain, seq, tx));
  return opened;
}

type W = { -readonly [K in keyof IovaDomainState]: IovaDomainState[K] };

export const iovaSlice = transientSlice<IovaState>({
  name: 'iova',
  initial: { domains: PMap.empty() },
  on: {
    IovaDomainInitialised(s, e, tx) {
      if (e.errno !== null) return s;
      const st = editable(s, tx);
      (st as { domains: PMap<IovaDomainState> }).domains = s.domains.set(e.domain, fresh(e, e.seq), tx);
      return st;
    },
    IovaDomainPut(s, e, tx) {
      if (!s.domains.has(e.domain)) return s;
      const st = editable(s, tx);
      (st as { domains: PMap<IovaDomainState> }).domains = s.domains.delete(e.domain, tx);
      return st;
    },
    CookiePut(s, e, tx) {
      // iommu_put_dma_cookie destroys the iova_domain with the cookie
      if (!s.domains.has(e.domain)) return s;
      const st = editable(s, tx);
      (st as { domains: PMap<IovaDomainState> }).domains = s.domains.delete(e.domain, tx);
      return st;
    },
    IovaRangeReserved(s, e, tx) {
      if (!e.ok) return s;
      return update(s, e.domain, e.seq, tx, (d) => {
        const w = d as W;
        let nodes = d.nodes;
        let reserved = d.reserved;
        for (const x of e.extended) {
          const hi = nodes.get(x.from);
          if (hi === undefined) continue;
          nodes = nodes.delete(x.from, tx).set(x.to, hi, tx);
          // iova.c __adjust_overlap_range stretches the node in place: hints pointing at it follow
          if (w.cachedNode === x.from) w.cachedNode = x.to;
          if (w.cached32Node === x.from) w.cached32Node = x.to;
          const why = reserved.get(x.from);
          reserved = reserved.delete(x.from, tx).set(x.to, why ?? e.reason, tx);
        }
        if (e.inserted) {
          nodes = nodes.set(e.inserted.pfnLo, e.inserted.pfnHi, tx);
          reserved = reserved.set(e.inserted.pfnLo, e.reason, tx);
        }
        w.nodes = nodes;
        w.reserved = reserved;
      });
    },
    IovaAllocated(s, e, tx) {
      const w = open(s, e.domain, e.seq, tx) as W;
      const st = opened;
      if (e.fromRcache) {
        const order = orderOf(e.pfnHi - e.pfnLo + 1);
        if (w.rcaches) w.rcaches = popPfnAt(w.rcaches, order, e.cpu ?? 0, e.magIndex ?? 0, tx);
      } else {
        w.nodes = w.nodes.set(e.pfnLo, e.pfnHi, tx);
      }
      w.cachedNode = e.cachedNode;
      w.cached32Node = e.cached32Node;
      w.allocs = w.allocs + 1;
      return st;
    },
    IovaAllocFailed(s, e, tx) {
      return update(s, e.domain, e.seq, tx, (d) => {
        (d as W).max32AllocSize = e.max32AllocSize;
        (d as W).failures = d.failures + 1;
      });
    },
    IovaFreed(s, e, tx) {
      const w = open(s, e.domain, e.seq, tx) as W;
      const st = opened;
      w.nodes = w.nodes.delete(e.pfnLo, tx);
      if (w.reserved.has(e.pfnLo)) w.reserved = w.reserved.delete(e.pfnLo, tx);
      w.cachedNode = e.cachedNode;
      w.cached32Node = e.cached32Node;
      w.max32AllocSize = e.max32AllocSize;
      return st;
    },
    IovaCached(s, e, tx) {
      const w = open(s, e.domain, e.seq, tx) as W;
      const st = opened;
      w.rcaches = pushPfn(w.rcaches ?? newRcaches((e.cpu ?? 0) + 1), e.order, e.cpu ?? 0, e.pfn, tx);
      return st;
    },
    RcacheChanged(s, e, tx) {
      return update(s, e.domain, e.seq, tx, (d) => {
        (d as W).rcaches = applyRcacheChange(d.rcaches ?? newRcaches((e.cpu ?? 0) + 1), e, tx);
      });
    },
  },
  snapshot(s) {
    const out: unknown[] = [];
    s.domains.forEach((_, d) => {
      out.push({
        domain: d.domain,
        granule: d.granule,
        startPfn: d.startPfn,
        dma32bitPfn: d.dma32bitPfn,
        cpus: d.cpus,
        nodes: [d.nodes.keys(), d.nodes.entries().map((x) => x[1])],
        reserved: [d.reserved.keys(), d.reserved.entries().map((x) => x[1])],
        cachedNode: d.cachedNode,
        cached32Node: d.cached32Node,
        max32AllocSize: d.max32AllocSize,
        rcaches: d.rcaches ? rcachesToPlain(d.rcaches) : null,
        allocs: d.allocs,
        failures: d.failures,
        initSeq: d.initSeq,
      });
    });
    return out;
  },
  restore(data) {
    const list = data as {
      domain: number;
      nodes: [number[], number[]];
      reserved: [number[], string[]];
      rcaches: Parameters<typeof rcachesFromPlain>[0] | null;
    }[];
    const keys: number[] = [];
    const vals: IovaDomainState[] = [];
    for (const d of list) {
      keys.push(d.domain);
      vals.push({
        ...(d as unknown as IovaDomainState),
        nodes: PMap.fromSorted(d.nodes[0], d.nodes[1]),
        reserved: PMap.fromSorted(d.reserved[0], d.reserved[1]),
        rcaches: d.rcaches ? rcachesFromPlain(d.rcaches) : null,
      });
    }
    return { domains: PMap.fromSorted(keys, vals) };
  },
  encode: encodeIova,
  decode: decodeIova,
  encodeDelta: encodeIovaDelta,
  decodeDelta: decodeIovaDelta,
  hash(s, h) {
    s.domains.forEach((id, d) => {
      h.add('iovad', id, d.granule, d.startPfn, d.dma32bitPfn, d.cpus, d.cachedNode, d.cached32Node, d.max32AllocSize, d.allocs, d.failures, d.initSeq);
      d.nodes.forEach((lo, hi) => h.add('n', lo, hi, d.reserved.get(lo)));
      if (d.rcaches)
        d.rcaches.forEach((sc, order) => {
          sc.depot.forEach((m) => h.add('depot', order, m.join(',')));
          sc.cpus.forEach((c, cpu) => h.add('cpu', order, cpu, c.loaded.join(','), c.prev.join(',')));
          h.add('work', order, !!sc.workPending);
        });
    });
  },
});

/** iova.c order_base_2 of a (rounded) size in pfns: the rcache size class. */
export function orderOf(size: number): number {
  let o = 0;
  while (1 << o < size) o++;
  return o;
}
