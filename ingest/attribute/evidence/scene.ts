// What every kind of evidence reads: the window around the line being decided, the domain book,
// the live mappings attribution has placed, the tasks, the capture's side files.
import { type CaptureInfo } from '../../capture.js';
import { type BookDomain, type DomainBook } from '../book.js';
import { type Ballot } from '../combine.js';
import { type DeviceHints } from '../hints.js';
import { type LiveIndex } from '../live-index.js';
import { type EvidenceWeights } from '../weights.js';
import { type MapRecord, type UnmapRecord, type Window } from '../window.js';
import { type EvidenceKind } from './kinds.js';
import { type Task, type TaskBeliefs } from './task.js';

export interface Scene {
  readonly window: Window;
  readonly book: DomainBook;
  readonly live: LiveIndex;
  readonly tasks: TaskBeliefs;
  readonly hints: DeviceHints;
  readonly capture: CaptureInfo;
  readonly w: EvidenceWeights;
  /** the dma:* events are readable: a kernel that traces them, and not trace verify --blind */
  sighted: boolean;
  /** the last phase marker, and how many markers came before it */
  phase: string | null;
  phaseSeq: number;
  /** when the last marker was written (-Infinity: none yet) */
  phaseTs: number;
}

export interface MapQuery {
  readonly s: Scene;
  /** index of the line in the window */
  readonly i: number;
  readonly r: MapRecord;
  readonly task: Task;
  /** a doorbell page (evidence/doorbell.ts) */
  readonly doorbell: boolean;
}

export interface UnmapQuery {
  readonly s: Scene;
  readonly i: number;
  readonly r: UnmapRecord;
  readonly task: Task;
}

/** A kind of evidence about a map line: its log likelihood ratios over the candidates. */
export interface MapWeigher {
  readonly kind: EvidenceKind;
  /** reads the IOVA of the line: not used for the domain a prediction is made in */
  readonly readsIova: boolean;
  weigh(q: MapQuery, b: Ballot): void;
}

export interface UnmapWeigher {
  readonly kind: EvidenceKind;
  weigh(q: UnmapQuery, b: Ballot): void;
}

/** A kind of evidence that settles a line alone (a stated fact, or the rest of an operation already placed). */
export interface Settled {
  readonly domain: BookDomain;
  readonly conf: number;
  readonly how: EvidenceKind;
}
