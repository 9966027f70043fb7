// The state just before each event, for the checks of one subscription. A check must judge an
// event against the state the kernel saw when the call was made; a batch's `before` and `after`
// are too coarse for that. So the shadow applies the reducers' own slice handlers one event at a
// time: transient slices under one long-lived Tx (the shadow is private, so edits happen in
// place and cost O(log n)), the small immer slices with one produce per event (they change
// rarely). The IOVA allocator, flush-queue and timeline slices are not needed by any check (the
// one IOVA check keeps the rbtree nodes itself) and are skipped: the allocator's rcache
// bookkeeping would cost more than every check together. The DMA-API entries are the dmaApi
// reducer's, kept in hash maps (dma-entries.ts): every unmap asks for an exact match.
import { produce, type Draft } from 'immer';
import { type DmaApiCalled, type IommuEvent } from '../domain-events/index.js';
import { DmaEntries } from './dma-entries.js';
import {
  cookiesSlice,
  type CookiesState,
  dmaIovaSlice,
  type DmaIovaSliceState,
  initialState,
  ioasidSlice,
  overlapping,
  type PMap,
  type Run,
  type IoasidState,
  pageTablesSlice,
  type PageTablesState,
  type Slice,
  type State,
  topologySlice,
  type TopologyState,
  Tx,
} from '../reducers/index.js';

export interface ShadowState {
  /** answers the checks share about the event being inspected, keyed by its seq */
  readonly scratch: Scratch;
  readonly topology: TopologyState;
  readonly cookies: CookiesState;
  readonly pageTables: PageTablesState;
  /** the live DMA-API entries (the dmaApi slice's) */
  readonly dma: DmaEntries;
  readonly ioasid: IoasidState;
  /** the live dma_iova ranges and what is linked in them */
  readonly dmaIova: DmaIovaSliceState;
}

type Name = Exclude<keyof ShadowState, 'scratch' | 'dma'>;

const SLICES: { [K in Name]: Slice<ShadowState[K]> } = {
  topology: topologySlice,
  cookies: cookiesSlice,
  pageTables: pageTablesSlice,
  ioasid: ioasidSlice,
  dmaIova: dmaIovaSlice,
};

type Handler = (s: unknown, e: IommuEvent, tx: Tx) => unknown;
export interface Route {
  readonly apply: (sh: Record<Name, unknown>, e: IommuEvent, tx: Tx) => void;
}

const routes = new Map<string, Route[]>();
for (const name of Object.keys(SLICES) as Name[]) {
  const slice = SLICES[name] as Slice<unknown>;
  for (const [type, fn] of Object.entries(slice.on)) {
    let list = routes.get(type);
    if (!list) routes.set(type, (list = []));
    const h = fn as Handler;
    list.push({
      apply:
        slice.kind === 'immer'
          ? (sh, e, tx) => void (sh[name] = produce(sh[name], (d: Draft<unknown>) => void h(d, e, tx)))
          : name === 'pageTables'
            ? // the hot one (every map and unmap): a named property, not a keyed access per event
              (sh, e, tx) => void ((sh as { pageTables: unknown }).pageTables = h((sh as { pageTables: unknown }).pageTables, e, tx))
            : (sh, e, tx) => void (sh[name] = h(sh[name], e, tx)),
    });
  }
}

// the dmaApi reducer's handler, on the shadow's own entries
routes.set('DmaApiCalled', [...(routes.get('DmaApiCalled') ?? []), { apply: (sh, e) => (sh as unknown as Shadow).dma.apply(e as DmaApiCalled) }]);

export class Shadow implements ShadowState {
  topology: TopologyState;
  cookies: CookiesState;
  pageTables: PageTablesState;
  readonly dma: DmaEntries;
  ioasid: IoasidState;
  dmaIova: DmaIovaSliceState;
  readonly scratch = new Scratch();
  private readonly tx = new Tx();

  constructor(from: State = initialState()) {
    this.topology = from.topology;
    this.cookies = from.cookies;
    this.pageTables = from.pageTables;
    this.dma = DmaEntries.of(from.dmaApi);
    this.ioasid = from.ioasid;
    this.dmaIova = from.dmaIova;
  }

  /** Folds one event in (after the checks have looked at the state before it); `rs`: routesOf(e.type). */
  apply(e: IommuEvent, rs: readonly Route[] = routesOf(e.type)): void {
    for (let i = 0; i < rs.length; i++) rs[i].apply(this as unknown as Record<Name, unknown>, e, this.tx);
  }
}

/** The slice handlers an event type goes to (a run looks them up once per type). */
export function routesOf(type: string): readonly Route[] {
  return routes.get(type) ?? NO_ROUTES;
}

const NO_ROUTES: readonly Route[] = [];

/**
 * One slot per shared question: several checks ask the same thing about one event (the entry an
 * unmap releases, the live runs under a range); the first computes it, the rest read it. A slot
 * is valid for the event it was computed for (by identity: unstamped events all have seq -1).
 * The computations are plain functions of (state, event), passed without a closure.
 */
export class Scratch {
  private unmapFor: object | null = null;
  private unmapVal: unknown;
  private liveFor: object | null = null;
  private liveDomain = 0;
  private liveA = 0;
  private liveB = 0;
  private liveVal: Run[] = [];

  unmap<E extends object, T>(e: E, s: ShadowState, compute: (s: ShadowState, e: E) => T): T {
    if (this.unmapFor !== e) {
      this.unmapVal = compute(s, e);
      this.unmapFor = e;
    }
    return this.unmapVal as T;
  }

  /** what `live` answered for the same event, domain and range, if it was the last question (else null) */
  liveKnown(at: object, domain: number, a: number, b: number): Run[] | null {
    return this.liveFor === at && this.liveDomain === domain && this.liveA === a && this.liveB === b ? this.liveVal : null;
  }

  /** the runs of `domain` (its `runs`) overlapping pfns [a, b), for event `at` */
  live(at: object, domain: number, runs: PMap<Run>, a: number, b: number): Run[] {
    if (this.liveFor !== at || this.liveDomain !== domain || this.liveA !== a || this.liveB !== b) {
      this.liveVal = overlapping(runs, a, b);
      this.liveFor = at;
      this.liveDomain = domain;
      this.liveA = a;
      this.liveB = b;
    }
    return this.liveVal;
  }
}
