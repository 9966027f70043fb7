// What a check is: an id, a version, a severity, one line of description, and a factory for
// its per-subscription inspector. The inspector sees every event with the state just before
// it (the Shadow) and reports findings in kernel terms; it keeps whatever private index it
// needs, created when the stream is subscribed and dropped with it.
import { type OperatorFunction } from 'rxjs';
import { type DmaCall, type EventType, type IommuEvent } from '../domain-events/index.js';
import { type State } from '../reducers/index.js';
import { type EventRef, type Finding, type Severity } from './finding.js';
import { type ShadowState } from './shadow.js';

/** What a check reports; the framework adds id, version, severity, provenance and confidence. */
export interface Report {
  readonly message: string;
  /** the other events involved, oldest first */
  readonly related?: readonly (number | EventRef)[];
  readonly domain?: number | null;
  readonly address?: bigint | null;
  /** what the address is (default: an IOVA / DMA address) */
  readonly addressSpace?: 'iova' | 'phys' | 'pasid';
  /** certainty of the finding itself, before the event's attribution confidence and lost events */
  readonly confidence?: number;
  /**
   * the finding holds whichever domain the events belong to (e.g. nothing is mapped there in
   * any domain): the importer's attribution confidence does not lower it
   */
  readonly anyDomain?: boolean;
  /** the event the finding is about, when not the one being inspected (end-of-stream reports) */
  readonly at?: IommuEvent;
}

export type Emit = (r: Report) => void;

export interface CheckInstance {
  /** `s` is the state before `e`; `e` is applied after every check has looked at it */
  inspect(e: IommuEvent, s: ShadowState, emit: Emit): void;
  /**
   * `s` is the state after `e` (every check has inspected it): for an index derived from what
   * the event changed in the state, so that it stays a function of the state (and `restore` can
   * rebuild it from a checkpoint's state)
   */
  after?(e: IommuEvent, s: ShadowState): void;
  /** end of the stream: what is still wrong (leaks) */
  complete?(s: ShadowState, emit: Emit): void;
  /**
   * The private index at a checkpoint, as plain msgpack-able data, for what `restore` cannot
   * rebuild from the reducer state (absent: the check keeps nothing of its own, or rebuilds it
   * all from the state).
   */
  save?(): unknown;
  /**
   * Resume mid-stream, before any event is inspected: `s` is the full reducer state at the
   * checkpoint (every slice, the IOVA allocator's included) and `saved` what `save()` returned
   * there. After it, the check must report exactly what a run from the first event would have
   * reported from that point on. `saved` is undefined when the checkpoint holds nothing for
   * this version of the check.
   */
  restore?(s: State, saved: unknown): void;
}

/**
 * A fact about the traced machine a check cannot judge without. A trace brought without its
 * capture folder may lack it; the check is then skipped and says why, never passes silently.
 *  - arch: the architecture (whether MSIs go through doorbell mappings, which regions are reserved)
 *  - reserved-regions: the groups' reserved regions (sysfs, or the platform's once the arch is known)
 *  - dma-events: the dma:* events (Linux 6.12+, recorded with -e dma) naming the DMA-API calls
 */
export type CheckNeed = 'arch' | 'reserved-regions' | 'dma-events';

export interface CheckDef {
  /** "family/name", e.g. "dma-api/unmap-size-mismatch" */
  readonly id: string;
  /** bumped whenever what the check reports changes */
  readonly version: number;
  readonly severity: Severity;
  readonly description: string;
  /** the event types the check looks at (all when absent): the operator shows it only those */
  readonly on?: readonly EventType[];
  /** of DmaApiCalled events, the calls the check looks at (all when absent) */
  readonly calls?: readonly DmaCall[];
  /** facts the check cannot judge without (none when absent) */
  readonly needs?: readonly CheckNeed[];
  create(): CheckInstance;
}

/** A check and its RxJS operator form (batches in, findings out). */
export interface Check extends CheckDef {
  operator(): OperatorFunction<CheckInput, Finding>;
}

/** What the checks read from a stream emission; EventBatch has it. `before` primes the shadow. */
export interface CheckInput {
  readonly events: readonly IommuEvent[];
  readonly before?: State;
}

/** The provenance of an event, as a finding's `related` entry. */
export function ref(e: IommuEvent): EventRef {
  return { seq: e.seq, line: e.line, src: e.src };
}
