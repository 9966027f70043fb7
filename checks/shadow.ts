// The state just before each event, for the checks of one subscription. A check must judge an
// event against the state the kernel saw when the call was made; a batch's `before` and `after`
// are too coarse for that. So the shadow applies the reducers' own slice handlers one event at a
// time: transient slices under one long-lived Tx (the shadow is private, so edits happen in
// place and cost O(log n)), the small immer slices with one produce per event (they change
// rarely). The flush-queue and timeline slices are not needed by any check and are skipped.
import { produce, type Draft } from 'immer';
import { type IommuEvent } from '../domain-events/index.js';
import {
  cookiesSlice,
  type CookiesState,
  dmaApiSlice,
  type DmaApiState,
  initialState,
  ioasidSlice,
  type IoasidState,
  iovaSlice,
  type IovaState,
  pageTablesSlice,
  type PageTablesState,
  type Slice,
  type State,
  topologySlice,
  type TopologyState,
  Tx,
} from '../reducers/index.js';

export interface ShadowState {
  readonly topology: TopologyState;
  readonly cookies: CookiesState;
  readonly iova: IovaState;
  readonly pageTables: PageTablesState;
  readonly dmaApi: DmaApiState;
  readonly ioasid: IoasidState;
}

type Name = keyof ShadowState;

const SLICES: { [K in Name]: Slice<ShadowState[K]> } = {
  topology: topologySlice,
  cookies: cookiesSlice,
  iova: iovaSlice,
  pageTables: pageTablesSlice,
  dmaApi: dmaApiSlice,
  ioasid: ioasidSlice,
};

type Handler = (s: unknown, e: IommuEvent, tx: Tx) => unknown;
interface Route {
  readonly name: Name;
  readonly immer: boolean;
  readonly fn: Handler;
}

const routes = new Map<string, Route[]>();
for (const name of Object.keys(SLICES) as Name[]) {
  const slice = SLICES[name] as Slice<unknown>;
  for (const [type, fn] of Object.entries(slice.on)) {
    let list = routes.get(type);
    if (!list) routes.set(type, (list = []));
    list.push({ name, immer: slice.kind === 'immer', fn: fn as Handler });
  }
}

export class Shadow implements ShadowState {
  topology: TopologyState;
  cookies: CookiesState;
  iova: IovaState;
  pageTables: PageTablesState;
  dmaApi: DmaApiState;
  ioasid: IoasidState;
  private readonly tx = new Tx();

  constructor(from: State = initialState()) {
    this.topology = from.topology;
    this.cookies = from.cookies;
    this.iova = from.iova;
    this.pageTables = from.pageTables;
    this.dmaApi = from.dmaApi;
    this.ioasid = from.ioasid;
  }

  /** Folds one event in (after the checks have looked at the state before it). */
  apply(e: IommuEvent): void {
    const rs = routes.get(e.type);
    if (rs === undefined) return;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i];
      const self = this as unknown as Record<Name, unknown>;
      if (r.immer) self[r.name] = produce(self[r.name], (d: Draft<unknown>) => void r.fn(d, e, this.tx));
      else self[r.name] = r.fn(self[r.name], e, this.tx);
    }
  }
}
