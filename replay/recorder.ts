// Writes events to a journal while folding them into state, and checkpoints that state every
// `checkpointEvery` events, so a reader can later start near any point instead of from zero.
import { type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../reducers/index.js';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';

export interface RecorderOptions extends JournalWriterOptions {
  /** events between checkpoints (0: none) */
  readonly checkpointEvery?: number;
}

export class JournalRecorder {
  private state: State = initialState();
  private sinceCheckpoint = 0;
  private readonly every: number;

  constructor(readonly writer: JournalWriter, opts: RecorderOptions = {}) {
    this.every = opts.checkpointEvery ?? 65536;
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
    this.sinceCheckpoint += events.length;
    if (this.every > 0 && this.sinceCheckpoint >= this.every) {
      this.writer.checkpoint(this.state);
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
