// A journal writer in two threads. This side (the caller's thread) takes the events and states
// as JournalWriter does, packs each block's columns (packBlock) and encodes each checkpoint's
// state (it lives here), and hands the bytes to a worker thread that deflates, frames and writes
// them with a JournalWriter of its own, and may run a companion (the fault checks) on the events
// it decodes there. Same records, same order, same bytes as JournalWriter in one thread.
//
// The calls stay synchronous: a call returns once its work is queued; the queue is bounded (the
// caller waits while too many bytes are in flight), and create / close wait for the worker's
// answer with Atomics.wait, then read it with receiveMessageOnPort.
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { type IommuEvent, InputError, packBlock, packValue } from '../domain-events/index.js';
import { assignSeq } from './event-seq.js';
import { encodeState, encodeStateDelta, type State } from '../reducers/index.js';
import { MAX_DELTA_CHAIN, type JournalWriterOptions } from './journal-writer.js';
import { type PipeBatch, type PipeMessage, type PipeReply, type PipeSetup, type SentError, SLOT } from './journal-pipe-protocol.js';
import { TimeJumps } from './time-jumps.js';
import { startWorker, workerModule } from './worker-thread.js';

/** bytes queued for the worker before the caller waits (a few blocks and checkpoints) */
const MAX_IN_FLIGHT = 32 << 20;
/** bytes of messages posted together */
const BATCH_BYTES = 1 << 20;

/** A companion that runs in the writer's thread: a module exporting createCompanion(data). */
export interface OffThreadCompanion {
  /** URL of the module */
  readonly module: string;
  readonly data?: unknown;
  /** what the companion's result() returned, once the journal is closed */
  onResult(result: unknown): void;
}

export interface JournalPipeOptions extends JournalWriterOptions {
  readonly companion?: OffThreadCompanion;
}

export class JournalPipe {
  private pending: IommuEvent[] = [];
  private seq = 0;
  private closed = false;
  private readonly blockEvents: number;
  /** the last checkpoint's state, the next delta's base, and the deltas since the last full one */
  private last: { readonly state: State; readonly chain: number } | null = null;
  private readonly shared: Int32Array;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private outbox: PipeMessage[] = [];
  private transfer: ArrayBuffer[] = [];
  private outboxBytes = 0;
  /** the clock's backward jumps, for the end record the worker writes */
  private readonly time = new TimeJumps();

  private constructor(
    readonly path: string,
    private readonly opts: JournalPipeOptions,
  ) {
    this.blockEvents = opts.blockEvents ?? 4096;
    this.shared = new Int32Array(new SharedArrayBuffer(SLOT.size * 4));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const { companion, ...writerOpts } = opts;
    const setup: PipeSetup = { path, writer: writerOpts, shared: this.shared, replies: port2, companion: companion ? { module: companion.module, data: companion.data } : null };
    this.worker = startWorker(workerModule('journal-pipe-worker', import.meta.url), setup, [port2 as unknown as ArrayBuffer]);
    // the worker ends by itself once closed; it must not keep the process alive
    this.worker.unref();
    this.awaitReply('opened');
  }

  static create(path: string, opts: JournalPipeOptions = {}): JournalPipe {
    return new JournalPipe(path, opts);
  }

  get nextSeq(): number {
    return this.seq;
  }

  append(events: readonly IommuEvent[]): void {
    if (this.closed) throw new Error('journal writer used after close');
    for (const e of events) {
      assignSeq(e, this.seq++);
      this.pending.push(e);
      if (this.pending.length >= this.blockEvents) this.flushBlock();
    }
  }

  checkpoint(state: State): void {
    this.flushBlock();
    this.send({ op: 'checkpoint', body: own(encodeState(state)) });
    this.last = { state, chain: 0 };
  }

  /** JournalWriter.checkpointDelta: the same choice of full or delta, the delta encoded here. */
  checkpointDelta(state: State): void {
    const prev = this.last;
    if (prev === null || prev.chain >= MAX_DELTA_CHAIN) return this.checkpoint(state);
    this.flushBlock();
    this.send({ op: 'delta', body: own(encodeStateDelta(prev.state, state)) });
    this.last = { state, chain: prev.chain + 1 };
  }

  checks(value: Record<string, unknown>): void {
    this.flushBlock();
    this.send({ op: 'checks', packed: packValue(value).slice() });
  }

  /** A checks record of what the writer thread's companion saves now (after every event sent so far). */
  companionChecks(): void {
    this.flushBlock();
    this.send({ op: 'companion-checks' });
  }

  note(value: Record<string, unknown>): void {
    this.flushBlock();
    this.send({ op: 'note', packed: packValue(value).slice() });
  }

  flushBlock(): void {
    if (this.pending.length === 0) return;
    const block = this.pending;
    this.pending = [];
    this.time.observe(block);
    this.send({ op: 'events', firstSeq: block[0].seq, count: block.length, packed: packBlock(block) });
  }

  /** Writes what is left and waits for the worker to close the file (and hand over the companion's result). */
  close(): void {
    this.finish(true);
  }

  /** JournalWriter.closeUnfinished: what was appended, without the end record. */
  closeUnfinished(): void {
    this.finish(false);
  }

  private finish(whole: boolean): void {
    if (this.closed) return;
    try {
      this.flushBlock();
    } finally {
      this.closed = true;
      this.send({ op: 'close', whole, timeJumps: this.time.jumps, timeJumpsTruncated: this.time.truncated }, true);
    }
    const r = this.awaitReply('closed');
    if (r.op === 'closed' && this.opts.companion && r.result !== undefined) this.opts.companion.onResult(r.result);
  }

  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.send({ op: 'abandon' }, true);
    this.awaitReply('closed');
  }

  /**
   * Queues one message. Messages go in batches of about BATCH_BYTES (a postMessage costs from a
   * few microseconds to a millisecond when the machine is busy: one per block was a tenth of
   * an import's time), and at once when the worker must answer (close, abandon).
   */
  private send(m: PipeMessage, now = false): void {
    if (!now) this.throwIfFailed();
    const payload = m.op === 'events' || m.op === 'checks' || m.op === 'note' ? m.packed : m.op === 'checkpoint' || m.op === 'delta' ? m.body : null;
    const bytes = payload === null ? 64 : payload.byteLength;
    this.outbox.push(m);
    if (payload !== null) this.transfer.push(payload.buffer as ArrayBuffer);
    this.outboxBytes += bytes;
    if (now || this.outboxBytes >= BATCH_BYTES) this.post(now);
  }

  private post(now: boolean): void {
    const bytes = this.outboxBytes;
    // a bounded queue: wait while the worker is behind by more than MAX_IN_FLIGHT bytes
    for (;;) {
      const inFlight = Atomics.load(this.shared, SLOT.inFlight);
      if (inFlight < MAX_IN_FLIGHT || now) break;
      Atomics.wait(this.shared, SLOT.inFlight, inFlight, 1000);
      this.throwIfFailed();
    }
    Atomics.add(this.shared, SLOT.inFlight, bytes);
    const batch: PipeBatch = { ops: this.outbox, bytes };
    this.worker.postMessage(batch, this.transfer);
    this.outbox = [];
    this.transfer = [];
    this.outboxBytes = 0;
  }

  /** The worker's answer to create or close, or the error it stopped at (thrown here). */
  private awaitReply(want: 'opened' | 'closed'): PipeReply {
    for (;;) {
      const seen = Atomics.load(this.shared, SLOT.replies);
      const got = receiveMessageOnPort(this.port);
      if (got !== undefined) {
        const r = got.message as PipeReply;
        if (r.op === 'failed') {
          this.closed = true;
          this.port.close();
          throw rebuild(r.error);
        }
        if (r.op !== want) continue;
        if (want === 'closed') this.port.close();
        return r;
      }
      Atomics.wait(this.shared, SLOT.replies, seen, 1000);
    }
  }

  /** After an error in the worker: throws it here, at the caller's next call. */
  private throwIfFailed(): void {
    if (Atomics.load(this.shared, SLOT.failed) !== 0) this.awaitReply('closed');
  }
}

/** A bytes' own ArrayBuffer (what postMessage can hand over without a copy). */
function own(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

/** An error from the worker, as the caller's thread would have thrown it (InputError stays one: its exit code). */
export function rebuild(e: SentError): Error {
  const err = e.name === 'InputError' ? new InputError(e.message) : new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}
