// The working context of an iova.c decision: the allocator state as the kernel sees it at each
// step. Every event a decision emits is folded through the iova reducer at once, so the next
// step of the same call (a retry after a flush, the second of two allocations) reads the state
// the kernel would read. The caller applies the returned events to the real state.
import { type IommuEvent, type Meta } from '../../domain-events/index.js';
import { type IovaDomainState, type IovaState, iovaSlice, PMap, Tx } from '../../reducers/index.js';
import { type Profile } from '../profile.js';

/** The anchor node's pfn (~0UL): larger than every real pfn. */
export const ANCHOR = Number.POSITIVE_INFINITY;

/** Pfns are JS numbers: exact below 2^53, which 4 KiB-granule 64-bit addresses never reach. */
export const MAX_PFN = Number.MAX_SAFE_INTEGER - 1;

export class IovaCtx {
  readonly events: IommuEvent[] = [];
  private readonly tx = new Tx();

  constructor(
    public slice: IovaState,
    readonly domain: number,
    readonly profile: Profile,
    readonly meta: Meta,
  ) {}

  static forDomain(slice: IovaState, domain: number, profile: Profile, meta: Meta): IovaCtx {
    return new IovaCtx(slice, domain, profile, meta);
  }

  get d(): IovaDomainState {
    const d = this.slice.domains.get(this.domain);
    if (!d) throw new Error(`iova domain ${this.domain} is not initialised`);
    return d;
  }

  get nodes(): PMap<number> {
    return this.d.nodes;
  }

  get cpu(): number {
    return this.meta.cpu ?? 0;
  }

  emit(e: IommuEvent): void {
    this.events.push(e);
    const h = (iovaSlice.on as Record<string, ((s: IovaState, e: IommuEvent, tx: Tx) => IovaState) | undefined>)[e.type];
    if (h) this.slice = h(this.slice, e, this.tx);
  }

  /** A meta for events of this call on another CPU (rcache flushes walk every CPU). */
  onCpu(cpu: number): Meta {
    return { ...this.meta, cpu };
  }
}

/** pfn_lo of the node right after the one starting at `pfnLo` (the anchor when none). */
export function successor(nodes: PMap<number>, pfnLo: number): number {
  return nodes.higherKey(pfnLo) ?? ANCHOR;
}

/** A cached-node pointer as events record it: null = the anchor. */
export function pointer(pfnLo: number): number | null {
  return pfnLo === ANCHOR ? null : pfnLo;
}

export function fromPointer(p: number | null): number {
  return p === null ? ANCHOR : p;
}

/** fls_long(x): index of the highest set bit, 1-based; 0 for 0. */
export function flsLong(x: number): number {
  let n = 0;
  for (let v = x; v >= 1; v = Math.floor(v / 2)) n++;
  return n;
}

/** roundup_pow_of_two */
export function roundupPowOfTwo(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/** order_base_2: ceil(log2(x)), 0 for 1 */
export function orderBase2(x: number): number {
  let o = 0;
  while (2 ** o < x) o++;
  return o;
}
