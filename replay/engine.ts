// The replay engine: folds a journal's events into state, batch by batch, and publishes each
// batch with the state before and after it as an RxJS Observable for observers and checks.
import { Observable } from 'rxjs';
import { type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../reducers/index.js';
import { type JournalReader } from './journal-reader.js';

/** One emission of the stream: a batch of events and the states around it. */
export interface EventBatch {
  readonly events: readonly IommuEvent[];
  readonly before: State;
  readonly after: State;
}

/** Re-chunks a source of blocks into batches of at most `size` events. */
export function* rebatch(blocks: Iterable<readonly IommuEvent[]>, size: number): Generator<readonly IommuEvent[]> {
  let pending: IommuEvent[] = [];
  for (const b of blocks) {
    if (pending.length === 0 && b.length === size) {
      yield b;
      continue;
    }
    for (const e of b) {
      pending.push(e);
      if (pending.length === size) {
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length) yield pending;
}

export function replayBlocks(blocks: Iterable<readonly IommuEvent[]>, from: State = initialState()): State {
  let s = from;
  for (const b of blocks) s = evolveBatch(s, b);
  return s;
}

export function replayJournal(reader: JournalReader, from: State = initialState()): State {
  return replayBlocks(reader.eventBlocks(), from);
}

/**
 * The event/state stream. Cold: each subscriber replays from `from`. Emits synchronously,
 * one emission per batch (never per event), and completes at the end of the source.
 */
export function eventStream(blocks: () => Iterable<readonly IommuEvent[]>, opts: { batch?: number; from?: State } = {}): Observable<EventBatch> {
  return new Observable<EventBatch>((out) => {
    let state = opts.from ?? initialState();
    try {
      for (const events of rebatch(blocks(), opts.batch ?? 4096)) {
        if (out.closed) return;
        const before = state;
        state = evolveBatch(state, events);
        out.next({ events, before, after: state });
      }
      out.complete();
    } catch (err) {
      out.error(err);
    }
  });
}

export function journalStream(reader: JournalReader, opts: { batch?: number } = {}): Observable<EventBatch> {
  return eventStream(() => reader.eventBlocks(), opts);
}
