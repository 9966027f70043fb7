// The index behind `history`: for every IOVA range, physical page, device, domain, PASID and
// doorbell, the seqs of the events that touched it, built in one pass. Address keys are
// buckets of 64 KiB (an event is listed under each bucket its range spans; ranges of more than 4096
// buckets go to one `wide` list that every address query reads), so a query reads a few short
// lists and reads the facts of only the events on them.
import { EVENT_TYPES, type EventType, type IommuEvent } from '../domain-events/index.js';
import { pfnOf } from '../reducers/index.js';
import { type AddressSpace, iovaSpanOf, rangesOf, spanTouchesPages } from './iova-query.js';

export { type AddressSpace, rangesOf };

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

const BUCKET_PAGES = 16;
const MAX_BUCKETS = 4096;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);


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
    if (a === b && this.wide.length === 0) return this.buckets.get(a)?.toArray() ?? [];
    const out = new Set<number>(this.wide.toArray());
    if (b - a > MAX_BUCKETS) {
      for (const [k, l] of this.buckets) if (k >= a && k <= b) for (const s of l.toArray()) out.add(s);
    } else for (let k = a; k <= b; k++) for (const s of this.buckets.get(k)?.toArray() ?? []) out.add(s);
    return [...out].sort((x, y) => x - y);
  }
}

function bucketOf(addr: bigint): number {
  return addr <= SAFE ? Math.floor(Number(addr) / (4096 * BUCKET_PAGES)) : Number(addr >> 16n);
}

const CHUNK = 1 << 20;
const NONE = -0x80000000;

/**
 * What a history needs of each event, column by column in chunked typed arrays (44 bytes an
 * event): its type, provenance, domain, device, and the one IOVA / physical range it is about.
 * A query reads these instead of decoding journal blocks.
 */
export class Facts {
  private readonly chunks: {
    type: Uint8Array;
    flags: Uint8Array;
    src: Uint16Array;
    line: Int32Array;
    domain: Int32Array;
    device: Uint16Array;
    /** addresses as 4 KiB page number + offset: exact for every 64-bit address (pfn < 2^52) */
    iovaPfn: Float64Array;
    iovaOff: Uint16Array;
    physPfn: Float64Array;
    physOff: Uint16Array;
    /** bytes (exact below 2^53, far beyond any single mapping) */
    size: Float64Array;
  }[] = [];
  /** Unmapped events whose unmapped_size differs from their size (rare): seq -> bytes */
  private readonly unmappedDiff = new Map<number, number>();
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  length = 0;

  private id(s: string): number {
    let i = this.stringIds.get(s);
    if (i === undefined) {
      // sources and device names are few; ids are 16-bit (0xffff = none)
      if (this.strings.length >= 0xffff) throw new Error('history index: more than 65535 distinct sources and device names');
      i = this.strings.push(s) - 1;
      this.stringIds.set(s, i);
    }
    return i;
  }

  add(e: IommuEvent, iovaRange: { addr: bigint; size: bigint } | null, phys: bigint | null): void {
    const seq = e.seq;
    const c = seq >>> 20;
    while (this.chunks.length <= c)
      this.chunks.push({
        type: new Uint8Array(CHUNK),
        flags: new Uint8Array(CHUNK),
        src: new Uint16Array(CHUNK),
        line: new Int32Array(CHUNK),
        domain: new Int32Array(CHUNK),
        device: new Uint16Array(CHUNK),
        iovaPfn: new Float64Array(CHUNK),
        iovaOff: new Uint16Array(CHUNK),
        physPfn: new Float64Array(CHUNK),
        physOff: new Uint16Array(CHUNK),
        size: new Float64Array(CHUNK),
      });
    const k = this.chunks[c];
    const i = seq & (CHUNK - 1);
    const r = e as unknown as Record<string, unknown>;
    k.type[i] = TYPE_ID.get(e.type)!;
    k.line[i] = e.line ?? NONE;
    k.src[i] = e.src === null ? 0xffff : this.id(e.src);
    k.domain[i] = typeof r.domain === 'number' ? r.domain : NONE;
    k.device[i] = typeof r.device === 'string' ? this.id(r.device) : 0xffff;
    k.flags[i] = (iovaRange ? 1 : 0) | (phys !== null ? 2 : 0) | (e.type === 'DmaApiCalled' && e.errno === null ? 4 : 0);
    const size = iovaRange?.size ?? 0n;
    k.size[i] = Number(size);
    if (e.type === 'Unmapped' && e.unmappedSize !== e.size) this.unmappedDiff.set(seq, Number(e.unmappedSize));
    if (iovaRange) {
      k.iovaPfn[i] = pfnOf(iovaRange.addr);
      k.iovaOff[i] = Number(iovaRange.addr & 0xfffn);
    }
    if (phys !== null) {
      k.physPfn[i] = pfnOf(phys);
      k.physOff[i] = Number(phys & 0xfffn);
    }
    if (seq >= this.length) this.length = seq + 1;
  }

  /** the event touches IOVA pages [lo, hi) (in `domain`, or a DMA-API call of no domain) */
  touchesIova(seq: number, lo: number, hi: number, domain: number | null): boolean {
    const k = this.chunks[seq >>> 20];
    const i = seq & (CHUNK - 1);
    if ((k.flags[i] & 1) === 0) return false;
    if (!spanTouchesPages(k.iovaPfn[i], k.iovaOff[i], Math.max(k.size[i], this.unmappedDiff.get(seq) ?? 0), lo, hi)) return false;
    // as IovaMatcher: an event of no known domain touches every domain
    return domain === null || k.domain[i] === domain || k.domain[i] === NONE;
  }

  touchesPhys(seq: number, lo: number, hi: number): boolean {
    const k = this.chunks[seq >>> 20];
    const i = seq & (CHUNK - 1);
    if ((k.flags[i] & 2) === 0) return false;
    const a = k.physPfn[i];
    // only a map covers more than its first physical byte
    const span = EVENT_TYPES[k.type[i]] === 'Mapped' ? Math.max(1, k.size[i]) : 1;
    return a < hi && a + Math.ceil((k.physOff[i] + span) / 4096) > lo;
  }

  get(seq: number): Fact {
    const k = this.chunks[seq >>> 20];
    const i = seq & (CHUNK - 1);
    const f = k.flags[i];
    const dom = k.domain[i];
    const dev = k.device[i];
    return {
      seq,
      type: EVENT_TYPES[k.type[i]],
      line: k.line[i] === NONE ? null : k.line[i],
      src: k.src[i] === 0xffff ? null : this.strings[k.src[i]],
      domain: dom === NONE ? null : dom,
      device: dev === 0xffff ? null : this.strings[dev],
      iova: f & 1 ? (BigInt(k.iovaPfn[i]) << 12n) | BigInt(k.iovaOff[i]) : null,
      size: BigInt(k.size[i]),
      paddr: f & 2 ? (BigInt(k.physPfn[i]) << 12n) | BigInt(k.physOff[i]) : null,
      unmappedSize: BigInt(this.unmappedDiff.get(seq) ?? k.size[i]),
      ok: (f & 4) !== 0,
    };
  }
}

const TYPE_ID = new Map<string, number>(EVENT_TYPES.map((t, i) => [t, i]));

/** An event as the history sees it. */
export interface Fact {
  readonly seq: number;
  readonly type: EventType;
  readonly line: number | null;
  readonly src: string | null;
  readonly domain: number | null;
  readonly device: string | null;
  /** the IOVA range it is about (DMA address for DMA-API calls), if any */
  readonly iova: bigint | null;
  readonly size: bigint;
  /** the physical address it maps, if any */
  readonly paddr: bigint | null;
  /** Unmapped: bytes the driver unmapped; otherwise the size */
  readonly unmappedSize: bigint;
  /** DmaApiCalled without an error */
  readonly ok: boolean;
}

export class HistoryIndex {
  readonly facts = new Facts();
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
    let phys: bigint | null = null;
    const granule = (d: number) => this.granules.get(d) ?? 4096;
    for (const x of rangesOf(e, granule)) {
      (x.space === 'iova' ? this.iova : this.phys).add(x.addr, x.size, e.seq);
      if (x.space === 'phys') phys ??= x.addr;
    }
    // the one span the event is about (iova-query.ts), indexed too: an sg call's span covers the gaps between its segments
    const first = iovaSpanOf(e, granule);
    if (first !== null && e.type === 'DmaApiCalled' && e.sg && e.sg.dmaAddrs.length > 1) this.iova.add(first.addr, first.size, e.seq);
    this.facts.add(e, first, phys);
  }
}

function list<K>(m: Map<K, SeqList>, k: K): SeqList {
  let l = m.get(k);
  if (l === undefined) m.set(k, (l = new SeqList()));
  return l;
}
