// The root reducer only routes: each event goes to the slices that handle its type. A batch
// opens one Tx (transient slices) and at most one immer draft per immer slice, so a batch of a
// thousand maps costs a thousand O(log n) updates, never a copy of a whole index.
import { createDraft, finishDraft, type Draft } from 'immer';
import { EVENT_TYPES, type IommuEvent } from '../domain-events/index.js';
import { cookiesSlice, type CookiesState } from './cookies.js';
import { dmaApiSlice, type DmaApiState } from './dma-api.js';
import { dmaIovaSlice, type DmaIovaSliceState } from './dma-iova.js';
import { flushQueuesSlice, type FlushQueuesState } from './flush-queues.js';
import { Hasher } from './hasher.js';
import { ioasSlice, type IoasState } from './ioas.js';
import { ioasidSlice, type IoasidState } from './ioasid.js';
import { iovaSlice, type IovaState } from './iova-domains.js';
import { pageTablesSlice, type PageTablesState } from './page-tables.js';
import { Tx } from './pmap.js';
import { claim, ownedBy } from './owned.js';
import { type Slice } from './slice.js';
import { Tally, timelineSlice, type TimelineState } from './timeline.js';
import { topologySlice, type TopologyState } from './topology.js';

export interface State {
  readonly topology: TopologyState;
  readonly cookies: CookiesState;
  readonly iova: IovaState;
  readonly pageTables: PageTablesState;
  readonly flushQueues: FlushQueuesState;
  readonly dmaApi: DmaApiState;
  readonly dmaIova: DmaIovaSliceState;
  readonly ioasid: IoasidState;
  readonly ioas: IoasState;
  readonly timeline: TimelineState;
}

type SliceName = keyof State;

const SLICES: { [K in SliceName]: Slice<State[K]> } = {
  topology: topologySlice,
  cookies: cookiesSlice,
  iova: iovaSlice,
  pageTables: pageTablesSlice,
  flushQueues: flushQueuesSlice,
  dmaApi: dmaApiSlice,
  dmaIova: dmaIovaSlice,
  ioasid: ioasidSlice,
  ioas: ioasSlice,
  timeline: timelineSlice,
};

const SLICE_NAMES = Object.keys(SLICES) as SliceName[];
/** slices newer than the first journal format: absent from older checkpoints */
const LATER_SLICES: ReadonlySet<string> = new Set<SliceName>(['ioas', 'dmaIova']);

interface Route {
  readonly slice: number;
  readonly immer: boolean;
  readonly fn: (s: unknown, e: IommuEvent, tx: Tx) => unknown;
}

/** What an event type goes to: the slices that handle it, and its slot in a batch's type counts. */
interface TypePlan {
  readonly slot: number;
  readonly routes: readonly Route[];
}

/** type -> its plan, built once for every type of the vocabulary */
const plans = new Map<string, TypePlan>();
const slotTypes: string[] = [];
for (const type of EVENT_TYPES) {
  const routes: Route[] = [];
  SLICE_NAMES.forEach((name, i) => {
    const slice = SLICES[name] as Slice<unknown>;
    const fn = (slice.on as Record<string, Route['fn'] | undefined>)[type];
    if (fn) routes.push({ slice: i, immer: slice.kind === 'immer', fn });
  });
  plans.set(type, { slot: slotTypes.length, routes });
  slotTypes.push(type);
}
/** A type outside the vocabulary (a replay of hand-made events): counted, handled by no slice. */
function planOf(type: string): TypePlan {
  let p = plans.get(type);
  if (p === undefined) {
    plans.set(type, (p = { slot: slotTypes.length, routes: [] }));
    slotTypes.push(type);
  }
  return p;
}
const TIMELINE = SLICE_NAMES.indexOf('timeline');

export function initialState(): State {
  const s: Record<string, unknown> = {};
  for (const name of SLICE_NAMES) s[name] = SLICES[name].initial;
  return s as unknown as State;
}

/**
 * Applies a batch of events in order. The input state is untouched; replay is deterministic.
 *
 * `tx`: a caller that folds many small batches and keeps none of the states in between (a
 * recorder between two checkpoints) may pass one Tx for all of them: what an earlier batch of
 * the same Tx made is then changed in place instead of copied again, so a batch of one event
 * costs what one event of a large batch does. A state made under a Tx is not to be kept once a
 * later batch of the same Tx ran; it is again from the moment the Tx is no longer passed.
 */
export function evolveBatch(state: State, events: readonly IommuEvent[], tx: Tx = new Tx()): State {
  if (events.length === 0) return state;
  // a state the same Tx made (a recorder's, between checkpoints) is changed in place: a batch of
  // two events then allocates nothing of its own
  const inPlace = ownedBy(state, tx);
  const values = batchValues;
  fillSlices(state, values);
  let drafts: (Draft<unknown> | undefined)[] | null = null;
  // the timeline's tally rides along (one pass over the events, not two): events per type by
  // slot, and the slots in the order the batch first shows them (the order the counters are kept in)
  const tally = batchTally.start(values[TIMELINE] as TimelineState, tx);
  if (batchCounts.length < slotTypes.length) batchCounts = new Array<number>(slotTypes.length).fill(0);
  const counts = batchCounts;
  const seen = batchSeen;
  seen.length = 0;
  try {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.ts !== null) tally.ts(e.ts);
      const plan = plans.get(e.type) ?? planOf(e.type);
      const slot = plan.slot;
      if (slot >= counts.length) counts.push(0);
      if (counts[slot]++ === 0) seen.push(slot);
      const rs = plan.routes;
      for (let j = 0; j < rs.length; j++) {
        const r = rs[j];
        if (r.immer) {
          drafts ??= new Array(SLICE_NAMES.length);
          let d = drafts[r.slice];
          if (d === undefined) d = drafts[r.slice] = createDraft(values[r.slice] as object);
          r.fn(d, e, tx);
        } else {
          values[r.slice] = r.fn(values[r.slice], e, tx);
        }
      }
    }
    for (const slot of seen) tally.count(slotTypes[slot], counts[slot]);
  } finally {
    for (const slot of seen) counts[slot] = 0;
  }
  values[TIMELINE] = tally.finish(values[TIMELINE] as TimelineState, events.length, events[events.length - 1].seq, tx);
  if (drafts !== null)
    for (let i = 0; i < values.length; i++) {
      const d = drafts[i];
      if (d !== undefined) values[i] = finishDraft(d);
    }
  let out = state;
  if (inPlace) setSlices(state, values);
  else out = claim(stateOf(values), tx);
  // the scratch array must not keep the last state alive
  values.fill(null);
  return out;
}

/**
 * A state from its slices in SLICE_NAMES order, and back: functions written out from the slice
 * names, so every state has one shape and a batch of two events (the importer folds a few events
 * at a time for attribution to look at) pays no loop over the names.
 */
const stateOf = new Function('v', `return { ${SLICE_NAMES.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ')} };`) as (v: unknown[]) => State;
const fillSlices = new Function('s', 'v', SLICE_NAMES.map((n, i) => `v[${i}] = s[${JSON.stringify(n)}];`).join(' ')) as (s: State, v: unknown[]) => void;
const setSlices = new Function('s', 'v', SLICE_NAMES.map((n, i) => `s[${JSON.stringify(n)}] = v[${i}];`).join(' ')) as (s: State, v: unknown[]) => void;
/** the batch's tally and the slots it saw (evolveBatch does not nest) */
const batchTally = new Tally();
const batchSeen: number[] = [];
/** the batch's slice values, in SLICE_NAMES order */
const batchValues: unknown[] = new Array(SLICE_NAMES.length).fill(null);

/** per-type counts of the batch being folded, by slot (zeroed again after each batch) */
let batchCounts: number[] = [];

export function evolve(state: State, event: IommuEvent): State {
  return evolveBatch(state, [event]);
}

/** sha256 of the state's content: equal for equal content, however it was reached. */
export function stateHash(state: State): string {
  const h = new Hasher();
  for (const name of SLICE_NAMES) {
    h.add('slice', name);
    (SLICES[name] as Slice<unknown>).hash(state[name], h);
  }
  return h.digest();
}

/** Plain data for a checkpoint (bigints kept; msgpack-able). */
export function snapshotState(state: State): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of SLICE_NAMES) out[name] = (SLICES[name] as Slice<unknown>).snapshot(state[name]);
  return out;
}

export function restoreState(data: Record<string, unknown>): State {
  const out: Record<string, unknown> = {};
  for (const name of SLICE_NAMES) {
    // a slice added after the journal was written (ioas, dmaIova) starts empty: no event of it came before
    if (!(name in data) && LATER_SLICES.has(name)) {
      out[name] = SLICES[name].initial;
      continue;
    }
    if (!(name in data)) throw new Error(`snapshot: slice ${name} missing`);
    out[name] = (SLICES[name] as Slice<unknown>).restore(data[name]);
  }
  return out as unknown as State;
}

/** Every slice in state order, for codecs that store slices apart (checkpoint-codec.ts). */
export const sliceTable: readonly { readonly name: string; readonly slice: Slice<unknown>; readonly later: boolean }[] = SLICE_NAMES.map((name) => ({
  name,
  slice: SLICES[name] as Slice<unknown>,
  // a slice added after the first journal format may be absent from a checkpoint: it starts empty
  later: LATER_SLICES.has(name),
}));

export const sliceNames: readonly string[] = SLICE_NAMES;
