// The writer thread of a JournalPipe: a JournalWriter fed with packed blocks and encoded
// checkpoint bodies, in the order the caller sent them, and the companion (fault checks) fed
// with the events decoded from those blocks. See journal-pipe.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { decodePackedBlock, type IommuEvent } from '../domain-events/index.js';
import { JournalWriter } from './journal-writer.js';
import { TimeJumps } from './time-jumps.js';
import { type PipeBatch, type PipeMessage, type PipeReply, type PipeSetup, type SentError, SLOT } from './journal-pipe-protocol.js';

/** What a companion module's createCompanion(data) returns. */
export interface PipeCompanion {
  feed(events: readonly IommuEvent[]): void;
  save(): Record<string, unknown>;
  /** sent back to the caller at close (structured-cloneable) */
  result(): unknown;
}

const setup = workerData as PipeSetup;
const { shared, replies } = setup;
let writer: JournalWriter | null = null;
let companion: PipeCompanion | null = null;
let stopped = false;

function reply(r: PipeReply): void {
  replies.postMessage(r);
  Atomics.add(shared, SLOT.replies, 1);
  Atomics.notify(shared, SLOT.replies);
}

function sent(err: unknown): SentError {
  const e = err as Error;
  return { name: e?.constructor?.name === 'InputError' ? 'InputError' : (e?.name ?? 'Error'), message: e?.message ?? String(err), stack: e?.stack };
}

/** An error stops the writer where it is (what is on disk stays readable) and is reported once. */
function fail(err: unknown): void {
  if (stopped) return;
  stopped = true;
  try {
    writer?.abandon();
  } catch {
    // the first error is the one to report
  }
  Atomics.store(shared, SLOT.failed, 1);
  reply({ op: 'failed', error: sent(err) });
}

function handle(m: PipeMessage): void {
  const w = writer!;
  switch (m.op) {
    case 'events':
      w.appendPacked(m.firstSeq, m.count, m.packed);
      companion?.feed(decodePackedBlock(m.packed) as unknown as IommuEvent[]);
      return;
    case 'checkpoint':
      return w.checkpointBody(m.body);
    case 'delta':
      return w.checkpointDeltaBody(m.body);
    case 'checks':
      return w.checksPacked(m.packed);
    case 'companion-checks':
      if (companion === null) throw new Error('a companion checks record and no companion');
      return w.checks(companion.save());
    case 'note':
      return w.notePacked(m.packed);
    case 'close': {
      const time = new TimeJumps();
      time.jumps.push(...m.timeJumps);
      time.truncated = m.timeJumpsTruncated;
      w.useTimeJumps(time);
      if (m.whole) w.close();
      else w.closeUnfinished();
      return reply({ op: 'closed', result: companion?.result() });
    }
    case 'abandon':
      w.abandon();
      return reply({ op: 'closed' });
  }
}

async function main(): Promise<void> {
  try {
    writer = JournalWriter.create(setup.path, setup.writer);
  } catch (err) {
    return fail(err);
  }
  // the caller waits for the file only: the companion's modules (the fault checks, a second or
  // more on a busy machine) load while it reads its input; the batches it sends wait in the port
  // until the handler below is attached, and an error here reaches it at its next call
  reply({ op: 'opened' });
  try {
    if (setup.companion) {
      const mod = (await import(setup.companion.module)) as { createCompanion(data: unknown): PipeCompanion };
      companion = mod.createCompanion(setup.companion.data);
    }
  } catch (err) {
    return fail(err);
  }
  parentPort!.on('message', (batch: PipeBatch) => {
    let last: PipeMessage['op'] | null = null;
    for (const m of batch.ops) {
      last = m.op;
      try {
        if (!stopped) handle(m);
        else if (m.op === 'close' || m.op === 'abandon') reply({ op: 'closed' });
      } catch (err) {
        fail(err);
      }
    }
    Atomics.sub(shared, SLOT.inFlight, batch.bytes);
    Atomics.notify(shared, SLOT.inFlight);
    if (last === 'close' || last === 'abandon') parentPort!.close();
  });
}

process.on('uncaughtException', (err) => fail(err));
void main();
