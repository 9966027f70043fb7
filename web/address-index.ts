// Which events touched which pages: one compact row per (event, address range), built in the
// load pass, so the history of an IOVA or a physical page is a scan of typed arrays (a few ms
// for a million events) instead of a decode of the whole journal. Ranges are in 4 KiB pages.
import { EVENT_TYPES, type EventType, type IommuEvent } from '../domain-events/index.js';
import { pfnOf } from '../reducers/index.js';

export const SPACE = { iova: 0, phys: 1 } as const;
export type Space = keyof typeof SPACE;

/** page range of [addr, addr + size) (an empty size still names its page) */
function pages(addr: bigint, size: bigint): [number, number] {
  const lo = pfnOf(addr);
  return [lo, size > 0n ? pfnOf(addr + size - 1n) : lo];
}

/** What the index needs to know besides the event: tracked from the events seen so far. */
export class AddressContext {
  private readonly granule = new Map<number, number>();
  private readonly devDomain = new Map<string, number>();

  /** 4 KiB pages per IOVA pfn of the domain (iommu_dma_init_domain: 4 KiB unless told) */
  granulePages(domain: number): number {
    return (this.granule.get(domain) ?? 4096) / 4096;
  }

  deviceDomain(device: string): number | null {
    return this.devDomain.get(device) ?? null;
  }

  /** call after indexing e */
  track(e: IommuEvent): void {
    if (e.type === 'IovaDomainInitialised') this.granule.set(e.domain, e.granule);
    else if (e.type === 'DeviceAttached' && e.errno === null) this.devDomain.set(e.device, e.domain);
    else if (e.type === 'DeviceDetached' && this.devDomain.get(e.device) === e.domain) this.devDomain.delete(e.device);
  }
}

const TYPE_CODE = new Map<string, number>(EVENT_TYPES.map((t, i) => [t, i]));

/** one row of a history: what the index knows without decoding the event */
export interface AddressRow {
  readonly seq: number;
  readonly type: EventType;
  readonly space: Space;
  readonly domain: number | null;
  /** the pages the event touched (4 KiB) */
  readonly lo: number;
  readonly hi: number;
  readonly line: number | null;
}

export class AddressIndex {
  private n = 0;
  private type = new Uint8Array(1024);
  private line = new Int32Array(1024);
  private seq = new Float64Array(1024);
  private lo = new Float64Array(1024);
  private hi = new Float64Array(1024);
  private dom = new Int32Array(1024);
  private space = new Uint8Array(1024);

  get rows(): number {
    return this.n;
  }

  private cur: IommuEvent | null = null;

  private push(seq: number, space: number, domain: number | null, lo: number, hi: number): void {
    if (this.n === this.seq.length) this.grow();
    const i = this.n++;
    this.type[i] = TYPE_CODE.get(this.cur!.type)!;
    this.line[i] = this.cur!.line ?? -1;
    this.seq[i] = seq;
    this.space[i] = space;
    this.dom[i] = domain ?? -1;
    this.lo[i] = lo;
    this.hi[i] = hi;
  }

  private grow(): void {
    const cap = this.seq.length * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.seq = f(this.seq);
    this.lo = f(this.lo);
    this.hi = f(this.hi);
    const d = new Int32Array(cap);
    d.set(this.dom);
    this.dom = d;
    const s = new Uint8Array(cap);
    s.set(this.space);
    this.space = s;
    const t = new Uint8Array(cap);
    t.set(this.type);
    this.type = t;
    const l = new Int32Array(cap);
    l.set(this.line);
    this.line = l;
  }

  private iova(e: IommuEvent, domain: number | null, addr: bigint, size: bigint): void {
    const [lo, hi] = pages(addr, size);
    this.push(e.seq, SPACE.iova, domain, lo, hi);
  }

  private phys(e: IommuEvent, addr: bigint, size: bigint): void {
    const [lo, hi] = pages(addr, size);
    this.push(e.seq, SPACE.phys, null, lo, hi);
  }

  /** Records the addresses of `e`; `c` knows granules and device domains before it. */
  add(e: IommuEvent, c: AddressContext): void {
    this.cur = e;
    const iovaPfns = (d: number, lo: number, hi: number) => {
      const g = c.granulePages(d);
      this.push(e.seq, SPACE.iova, d, lo * g, (hi + 1) * g - 1);
    };
    switch (e.type) {
      case 'Mapped':
      case 'MapFailed':
        this.iova(e, e.domain, e.iova, e.size);
        this.phys(e, e.paddr, e.size);
        break;
      case 'Unmapped':
        this.iova(e, e.domain, e.iova, e.size);
        break;
      case 'IovaAllocated':
      case 'IovaFreed':
        iovaPfns(e.domain, e.pfnLo, e.pfnHi);
        break;
      case 'IovaRangeReserved':
        iovaPfns(e.domain, e.pfnLo, e.pfnHi);
        break;
      case 'IovaCached':
        iovaPfns(e.domain, e.pfn, e.pfn + Math.max(1, e.size) - 1);
        break;
      case 'FlushQueued':
        iovaPfns(e.domain, e.pfn, e.pfn + Math.max(1, e.pages) - 1);
        break;
      case 'MsiPageGot':
      case 'MsiPagePut':
        this.iova(e, e.domain, e.iova, 0n);
        this.phys(e, e.doorbell, 0n);
        break;
      case 'PageFaulted':
        this.iova(e, e.domain ?? c.deviceDomain(e.device), e.iova, 0n);
        break;
      case 'DmaApiCalled': {
        const d = c.deviceDomain(e.device);
        if (e.dmaAddr !== null && e.dmaAddr !== 0xffff_ffff_ffff_ffffn) this.iova(e, d, e.dmaAddr, e.size ?? 0n);
        if (e.phys !== null) this.phys(e, e.phys, e.size ?? 0n);
        if (e.sg) {
          e.sg.dmaAddrs.forEach((a, i) => this.iova(e, d, a, e.sg!.sizes[i] ?? 0n));
          e.sg.physAddrs.forEach((a, i) => this.phys(e, a, e.sg!.sizes[i] ?? 0n));
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * Seqs of the events that touched page `pfn` of `space` (in `domain` for IOVAs; events whose
   * domain is unknown match any), oldest first, without duplicates; at most `limit` of them,
   * centred on the first at or after `around` (the point the user is looking at).
   */
  query(space: Space, pfn: number, domain: number | null, limit: number, around = Infinity, types?: ReadonlySet<EventType>): { rows: AddressRow[]; total: number } {
    const sp = SPACE[space];
    const hits: number[] = [];
    let last = -1;
    const codes = types ? new Set([...types].map((t) => TYPE_CODE.get(t))) : null;
    for (let i = 0; i < this.n; i++) {
      if (this.space[i] !== sp || this.lo[i] > pfn || this.hi[i] < pfn) continue;
      if (sp === SPACE.iova && domain !== null && this.dom[i] !== -1 && this.dom[i] !== domain) continue;
      if (this.seq[i] === last || (codes && !codes.has(this.type[i]))) continue;
      last = this.seq[i];
      hits.push(i);
    }
    let start = 0;
    if (hits.length > limit) {
      let pos = hits.findIndex((i) => this.seq[i] >= around);
      if (pos < 0) pos = hits.length;
      start = Math.max(0, Math.min(hits.length - limit, pos - Math.floor(limit / 2)));
    }
    const rows = hits.slice(start, start + limit).map((i) => ({
      seq: this.seq[i],
      type: EVENT_TYPES[this.type[i]],
      space,
      domain: this.dom[i] === -1 ? null : this.dom[i],
      lo: this.lo[i],
      hi: this.hi[i],
      line: this.line[i] === -1 ? null : this.line[i],
    }));
    return { rows, total: hits.length };
  }
}
