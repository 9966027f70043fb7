// The compact checkpoint form of the IOVA slice: per domain its fields, the rbtree nodes as
// (pfn_lo delta, pfn_hi - pfn_lo) pairs, the reserved nodes and the rcache magazines. Restored
// straight into the records the reducers make (same fields, same order) and into bulk-built
// PMaps, with no plain-object stage in between. A delta checkpoint writes only the domains
// that changed, and of those only the nodes and magazines that changed.
import { type ByteReader, type ByteWriter } from './bytes.js';
import { type IovaDomainState, type IovaState } from './iova-domains.js';
import { decodeMapDelta, encodeMapDelta } from './pmap-diff.js';
import { PMap, Tx } from './pmap.js';
import { decodeRcaches, encodeRcaches } from './checkpoint-rcache.js';

export function encodeIova(s: IovaState, w: ByteWriter): void {
  w.uint(s.domains.size);
  s.domains.forEach((id, d) => {
    w.int(id);
    encodeDomain(d, null, w);
  });
}

export function decodeIova(r: ByteReader): IovaState {
  const n = r.count();
  const keys: number[] = new Array(n);
  const vals: IovaDomainState[] = new Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = r.int();
    vals[i] = decodeDomain(null, r, null);
  }
  return { domains: PMap.fromSorted(keys, vals) };
}

/** The domains added, changed or gone since `base`; a changed domain is written against its base version. */
export function encodeIovaDelta(base: IovaState, s: IovaState, w: ByteWriter): void {
  encodeMapDelta(base.domains, s.domains, w, (id, d) => encodeDomain(d, base.domains.get(id) ?? null, w));
}

export function decodeIovaDelta(base: IovaState, r: ByteReader): IovaState {
  const tx = new Tx();
  return { domains: decodeMapDelta(base.domains, r, tx, (id) => decodeDomain(base.domains.get(id) ?? null, r, tx)) };
}

function encodeDomain(d: IovaDomainState, base: IovaDomainState | null, w: ByteWriter): void {
  w.byte(base === null ? 0 : 1);
  w.int(d.domain);
  w.int(d.granule);
  w.int(d.startPfn);
  w.int(d.dma32bitPfn);
  w.int(d.cpus);
  if (base === null) encodeNodes(d.nodes, w);
  else encodeMapDelta(base.nodes, d.nodes, w, (lo, hi) => w.int(hi - lo));
  w.optInt(d.cachedNode);
  w.optInt(d.cached32Node);
  w.int(d.max32AllocSize);
  encodeRcaches(d.rcaches, base?.rcaches ?? null, w);
  w.int(d.allocs);
  w.int(d.failures);
  if (base === null) {
    w.uint(d.reserved.size);
    let prev = 0;
    d.reserved.forEach((k, why) => {
      w.int(k - prev);
      w.str(why);
      prev = k;
    });
  } else encodeMapDelta(base.reserved, d.reserved, w, (_, why) => w.str(why));
  w.int(d.initSeq);
}

/** `base`: the domain's version in the base checkpoint, when the writer had one */
function decodeDomain(base: IovaDomainState | null, r: ByteReader, tx: Tx | null): IovaDomainState {
  const against = r.byte();
  if (against > 1 || (against === 1 && (base === null || tx === null))) throw new Error(`checkpoint data: IOVA domain written against a base that is not there`);
  const b = against === 1 ? base : null;
  const domain = r.int();
  const granule = r.int();
  const startPfn = r.int();
  const dma32bitPfn = r.int();
  const cpus = r.int();
  const nodes = b === null ? decodeNodes(r) : decodeMapDelta(b.nodes, r, tx!, (lo) => lo + r.int());
  const cachedNode = r.optInt();
  const cached32Node = r.optInt();
  const max32AllocSize = r.int();
  const rcaches = decodeRcaches(r, b?.rcaches ?? null);
  const allocs = r.int();
  const failures = r.int();
  let reserved: PMap<string>;
  if (b === null) {
    const rn = r.count();
    const rk: number[] = new Array(rn);
    const rv: string[] = new Array(rn);
    let prev = 0;
    for (let j = 0; j < rn; j++) {
      prev = rk[j] = prev + r.int();
      rv[j] = r.str();
    }
    reserved = PMap.fromSorted(rk, rv);
  } else reserved = decodeMapDelta(b.reserved, r, tx!, () => r.str());
  const initSeq = r.int();
  // the field order of iova-domains.ts fresh(): restored records share the reducers' shape
  return { domain, granule, startPfn, dma32bitPfn, cpus, nodes, cachedNode, cached32Node, max32AllocSize, rcaches, allocs, failures, reserved, initSeq };
}

function encodeNodes(nodes: PMap<number>, w: ByteWriter): void {
  w.uint(nodes.size);
  let prev = 0;
  nodes.forEach((lo, hi) => {
    w.int(lo - prev);
    w.int(hi - lo);
    prev = lo;
  });
}

function decodeNodes(r: ByteReader): PMap<number> {
  const n = r.count();
  const keys: number[] = new Array(n);
  const vals: number[] = new Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    prev = keys[i] = prev + r.int();
    vals[i] = prev + r.int();
  }
  return PMap.fromSorted(keys, vals);
}
