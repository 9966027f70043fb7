// Writes events to a journal while folding them into state, and checkpoints that state every
// `checkpointEvery` events, so a reader can later start near any point instead of from zero.
// A companion (the fault checks) may follow the same events and store its own data beside each
// checkpoint.
import { type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../reducers/index.js';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';

/** Something that follows the recorded events and saves its data beside every state checkpoint. */
export interface CheckpointCompanion {
  feed(events: readonly IommuEvent[]): void;
  /** plain msgpack-able data, written as a checks record after the checkpoint */
  save(): Record<string, unknown>;
}

export interface RecorderOptions extends JournalWriterOptions {
  /** events between checkpoints (0: none) */
  readonly checkpointEvery?: number;
  readonly companion?: CheckpointCompanion;
}

export class JournalRecorder {
  private state: State = initialState();
  private sinceCheckpoint = 0;
  private readonly every: number;
  private readonly companion: CheckpointCompanion | null;

  constructor(readonly writer: JournalWriter, opts: RecorderOptions = {}) {
    this.every = opts.checkpointEvery ?? 65536;
    this.companion = opts.companion ?? null;
  }

  static create(path: string, opts: RecorderOptions = {}): JournalRecorder {
    return new JournalRecorder(JournalWriter.create(path, opts), opts);
  }

  get current(): State {
    return this.state;
  }

  append(events: readonly IommuEvent[]): void {
    this.writer.append(events);
    this.state = evolveBatch(this.state, events);
    this.companion?.feed(events);
    this.sinceCheckpoint += events.length;
    if (this.every > 0 && this.sinceCheckpoint >= this.every) {
      this.writer.checkpoint(this.state);
      if (this.companion) this.writer.checks(this.companion.save());
      this.sinceCheckpoint = 0;
    }
  }

  note(value: Record<string, unknown>): void {
    this.writer.note(value);
  }

  close(): State {
    this.writer.close();
    return this.state;
  }

  abandon(): void {
    this.writer.abandon();
  }
}
