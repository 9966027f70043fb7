// The index behind `history`: for every IOVA range, physical page, device, domain, PASID and
// doorbell, the seqs of the events that touched it, built in one pass. Address keys are 2 MiB
// buckets (an event is listed under each bucket its range spans; ranges of more than 4096
// buckets go to one `wide` list that every address query reads), so a query reads a few short
// lists and decodes only the events on them.
import { type IommuEvent } from '../domain-events/index.js';

/** a growable list of seqs in increasing order */
export class SeqList {
  private a = new Int32Array(4);
  length = 0;

  push(seq: number): void {
    if (this.length > 0 && this.a[this.length - 1] === seq) return;
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = seq;
  }

  toArray(): number[] {
    return Array.from(this.a.subarray(0, this.length));
  }
}

const BUCKET_PAGES = 512;
const MAX_BUCKETS = 4096;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export type AddressSpace = 'iova' | 'phys';

class AddressIndex {
  readonly buckets = new Map<number, SeqList>();
  readonly wide = new SeqList();

  add(addr: bigint, size: bigint, seq: number): void {
    const lo = bucketOf(addr);
    const hi = bucketOf(addr + (size > 0n ? size - 1n : 0n));
    if (hi - lo >= MAX_BUCKETS) {
      this.wide.push(seq);
      return;
    }
    for (let b = lo; b <= hi; b++) {
      let l = this.buckets.get(b);
      if (l === undefined) this.buckets.set(b, (l = new SeqList()));
      l.push(seq);
    }
  }

  /** seqs of events that may touch [lo, hi), sorted, without repeats */
  query(lo: bigint, hi: bigint): number[] {
    const a = bucketOf(lo);
    const b = bucketOf(hi > lo ? hi - 1n : lo);
    const out = new Set<number>(this.wide.toArray());
    if (b - a > MAX_BUCKETS) {
      for (const [k, l] of this.buckets) if (k >= a && k <= b) for (const s of l.toArray()) out.add(s);
    } else for (let k = a; k <= b; k++) for (const s of this.buckets.get(k)?.toArray() ?? []) out.add(s);
    return [...out].sort((x, y) => x - y);
  }
}

function bucketOf(addr: bigint): number {
  return addr <= SAFE ? Math.floor(Number(addr) / (4096 * BUCKET_PAGES)) : Number(addr >> 21n);
}

/** The IOVA and physical ranges an event touches. */
export function rangesOf(e: IommuEvent, granule: (domain: number) => number): { space: AddressSpace; addr: bigint; size: bigint }[] {
  switch (e.type) {
    case 'Mapped':
    case 'MapFailed':
      return [
        { space: 'iova', addr: e.iova, size: e.size },
        { space: 'phys', addr: e.paddr, size: e.size },
      ];
    case 'Unmapped':
      return [{ space: 'iova', addr: e.iova, size: e.size > e.unmappedSize ? e.size : e.unmappedSize }];
    case 'PgtableTableFreed':
    case 'PgtableTableAllocated':
      return [{ space: 'iova', addr: e.iova, size: e.size }];
    case 'IotlbFlushed':
      return e.iova === null ? [] : [{ space: 'iova', addr: e.iova, size: e.size ?? 1n }];
    case 'IovaAllocated':
    case 'IovaFreed': {
      const g = BigInt(granule(e.domain));
      return [{ space: 'iova', addr: BigInt(e.pfnLo) * g, size: BigInt(e.pfnHi - e.pfnLo + 1) * g }];
    }
    case 'IovaCached':
      return [{ space: 'iova', addr: BigInt(e.pfn) * BigInt(granule(e.domain)), size: BigInt(e.size) * BigInt(granule(e.domain)) }];
    case 'FlushQueued':
      return [{ space: 'iova', addr: BigInt(e.pfn) * BigInt(granule(e.domain)), size: BigInt(e.pages) * BigInt(granule(e.domain)) }];
    case 'MsiPageGot':
      return [
        { space: 'iova', addr: e.iova, size: 1n },
        { space: 'phys', addr: e.doorbell, size: 1n },
      ];
    case 'PageFaulted':
      return [{ space: 'iova', addr: e.iova, size: 1n }];
    case 'DmaApiCalled': {
      const out: { space: AddressSpace; addr: bigint; size: bigint }[] = [];
      if (e.dmaAddr !== null) out.push({ space: 'iova', addr: e.dmaAddr, size: e.size ?? 1n });
      if (e.phys !== null) out.push({ space: 'phys', addr: e.phys, size: e.size ?? 1n });
      if (e.sg) {
        e.sg.dmaAddrs.forEach((a, i) => out.push({ space: 'iova', addr: a, size: e.sg!.sizes[i] ?? 1n }));
        for (const p of e.sg.physAddrs) out.push({ space: 'phys', addr: p, size: 1n });
      }
      return out;
    }
    default:
      return [];
  }
}

export class HistoryIndex {
  readonly iova = new AddressIndex();
  readonly phys = new AddressIndex();
  readonly devices = new Map<string, SeqList>();
  readonly domains = new Map<number, SeqList>();
  readonly pasids = new Map<number, SeqList>();
  readonly doorbells = new Map<bigint, SeqList>();
  private readonly granules = new Map<number, number>();
  events = 0;

  static build(blocks: Iterable<readonly IommuEvent[]>): HistoryIndex {
    const ix = new HistoryIndex();
    for (const b of blocks) for (const e of b) ix.add(e);
    return ix;
  }

  add(e: IommuEvent): void {
    this.events++;
    const r = e as unknown as Record<string, unknown>;
    if (e.type === 'IovaDomainInitialised') this.granules.set(e.domain, e.granule);
    if (typeof r.domain === 'number') list(this.domains, r.domain).push(e.seq);
    if (typeof r.device === 'string') list(this.devices, r.device).push(e.seq);
    if (typeof r.pasid === 'number') list(this.pasids, r.pasid).push(e.seq);
    else if (e.type.startsWith('Ioasid') && typeof r.id === 'number') list(this.pasids, r.id).push(e.seq);
    if (typeof r.doorbell === 'bigint') list(this.doorbells, r.doorbell).push(e.seq);
    for (const x of rangesOf(e, (d) => this.granules.get(d) ?? 4096)) (x.space === 'iova' ? this.iova : this.phys).add(x.addr, x.size, e.seq);
  }
}

function list<K>(m: Map<K, SeqList>, k: K): SeqList {
  let l = m.get(k);
  if (l === undefined) m.set(k, (l = new SeqList()));
  return l;
}
