// Writes events to a journal while folding them into state, and checkpoints that state every
// `checkpointEvery` events, so a reader can later start near any point instead of from zero.
// Between two checkpoints, delta checkpoints (the changes since the last full one) every
// `deltaEvery` events bring a seek closer to its target for a fraction of a full one's bytes.
// A companion (the fault checks) may follow the same events and store its own data beside each
// checkpoint.
import { type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState, type State, Tx } from '../reducers/index.js';
import { JournalPipe, type OffThreadCompanion } from './journal-pipe.js';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';

/** Something that follows the recorded events and saves its data beside every state checkpoint. */
export interface CheckpointCompanion {
  feed(events: readonly IommuEvent[]): void;
  /** plain msgpack-able data, written as a checks record after the checkpoint */
  save(): Record<string, unknown>;
  /** the same companion as a module the journal writer's thread can run (a recorder with `threads`) */
  readonly offThread?: OffThreadCompanion;
}

/** What the recorder writes with: a JournalWriter, or a JournalPipe (the same, in two threads). */
type Writer = Pick<JournalWriter, 'append' | 'checkpoint' | 'checkpointDelta' | 'checks' | 'note' | 'close' | 'closeUnfinished' | 'abandon'>;

export interface RecorderOptions extends JournalWriterOptions {
  /**
   * write in a second thread (JournalPipe): block packing and state encoding stay here; deflating,
   * writing and an off-thread companion run there. Same journal, byte for byte.
   */
  readonly threads?: boolean;
  /** events between checkpoints (0: none) */
  readonly checkpointEvery?: number;
  /** events between delta checkpoints, between the full ones (0: none; default: see deltaEveryFor) */
  readonly deltaEvery?: number;
  readonly companion?: CheckpointCompanion;
}

/**
 * A delta a quarter of the way between full checkpoints, when that is at least 1024 events:
 * replaying fewer events costs about what restoring a checkpoint does, so closer deltas buy
 * a seek nothing.
 */
export function deltaEveryFor(checkpointEvery: number): number {
  const d = Math.floor(checkpointEvery / 4);
  return d >= 1024 ? d : 0;
}

export class JournalRecorder {
  private state: State = initialState();
  /** the Tx of the appends since the last checkpoint */
  private tx = new Tx();
  private sinceCheckpoint = 0;
  private sinceDelta = 0;
  private readonly every: number;
  private readonly deltaEvery: number;
  /** the companion fed here (null when none, or when it runs in the writer's thread) */
  private readonly companion: CheckpointCompanion | null;
  /** the companion runs in the writer's thread: its checks records are made there */
  private readonly pipedCompanion: boolean;

  constructor(
    readonly writer: Writer,
    opts: RecorderOptions = {},
  ) {
    this.every = opts.checkpointEvery ?? 65536;
    this.deltaEvery = this.every > 0 ? (opts.deltaEvery ?? deltaEveryFor(this.every)) : 0;
    this.pipedCompanion = writer instanceof JournalPipe && opts.companion?.offThread !== undefined;
    this.companion = this.pipedCompanion ? null : (opts.companion ?? null);
  }

  static create(path: string, opts: RecorderOptions = {}): JournalRecorder {
    const writer = opts.threads ? JournalPipe.create(path, { ...opts, companion: opts.companion?.offThread }) : JournalWriter.create(path, opts);
    return new JournalRecorder(writer, opts);
  }

  get current(): State {
    return this.state;
  }

  append(events: readonly IommuEvent[]): void {
    if (this.deltaEvery === 0) return this.appendPiece(events);
    // with deltas, checkpoints land exactly (a delta every `deltaEvery` events, a full one every
    // `checkpointEvery`): a longer append is folded in pieces
    for (let at = 0; at < events.length; ) {
      const room = Math.min(this.deltaEvery - this.sinceDelta, this.every - this.sinceCheckpoint);
      const piece = at === 0 && room >= events.length ? events : events.slice(at, at + room);
      at += piece.length;
      this.appendPiece(piece);
    }
  }

  private appendPiece(events: readonly IommuEvent[]): void {
    this.writer.append(events);
    // one Tx from checkpoint to checkpoint: the states in between are read (the importer's
    // attribution looks at `current` every few events) but never kept, so a small append edits
    // what the last one made instead of copying it again; a checkpointed state is kept (the
    // next delta's base), so the Tx ends with each checkpoint
    this.state = evolveBatch(this.state, events, this.tx);
    this.companion?.feed(events);
    this.sinceCheckpoint += events.length;
    this.sinceDelta += events.length;
    if (this.every > 0 && this.sinceCheckpoint >= this.every) {
      this.tx = new Tx();
      this.writer.checkpoint(this.state);
      if (this.pipedCompanion) (this.writer as JournalPipe).companionChecks();
      else if (this.companion) this.writer.checks(this.companion.save());
      this.sinceCheckpoint = 0;
      this.sinceDelta = 0;
    } else if (this.deltaEvery > 0 && this.sinceDelta >= this.deltaEvery) {
      this.tx = new Tx();
      this.writer.checkpointDelta(this.state);
      this.sinceDelta = 0;
    }
  }

  note(value: Record<string, unknown>): void {
    this.writer.note(value);
  }

  /** Finishes the journal (its end record says it is whole). */
  close(): State {
    this.writer.close();
    return this.state;
  }

  /** After a failure: keeps every event appended, without the end record (readers say where it stopped). */
  closeUnfinished(): State {
    this.writer.closeUnfinished();
    return this.state;
  }

  abandon(): void {
    this.writer.abandon();
  }
}
