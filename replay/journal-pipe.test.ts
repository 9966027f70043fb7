// The journal writer in two threads writes what the one-thread writer writes, byte for byte,
// with a companion in its thread saving the same data at the same checkpoints; its errors reach
// the caller as the one-thread writer's would.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng, syntheticJournal } from '../bench/synthetic.js';
import { type IommuEvent, isInputError } from '../domain-events/index.js';
import { JournalReader } from './journal-reader.js';
import { RecordKind } from './journal-format.js';
import { type CheckpointCompanion, JournalRecorder } from './recorder.js';
import { workerModule } from './worker-thread.js';
import { pinJournalDate } from './test-support/pinned-date.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-pipe-');
const COUNTING = workerModule('test-support/counting-companion', import.meta.url).href;
pinJournalDate();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The counting companion, on this thread or as the module the writer's thread runs. */
function counting(result: { seen?: number }, failAt?: number): CheckpointCompanion {
  let seen = 0;
  return {
    feed: (events) => {
      seen += events.length;
      if (failAt !== undefined && seen >= failAt) throw new Error(`companion failed on purpose at ${seen} events`);
    },
    save: () => ({ seen }),
    offThread: { module: COUNTING, data: { failAt }, onResult: (r) => Object.assign(result, r) },
  };
}

function record(path: string, events: IommuEvent[], threads: boolean, companion?: CheckpointCompanion): void {
  const rec = JournalRecorder.create(path, { checkpointEvery: 4096, blockEvents: 700, threads, companion, source: 'pipe-test', meta: { n: events.length } });
  const r = rng(5);
  for (let i = 0; i < events.length; ) {
    const n = 1 + Math.floor(r() * 2500);
    rec.append(events.slice(i, i + n));
    i += n;
  }
  rec.note({ kind: 'test', events: events.length });
  rec.close();
}

describe('JournalPipe', () => {
  it('writes the same journal as one thread, byte for byte, checkpoints, deltas and companion records included', () => {
    const events = syntheticJournal(30_000, 11, 6);
    const one = join(dir, 'one.journal');
    const two = join(dir, 'two.journal');
    const fromOne: { seen?: number } = {};
    const fromTwo: { seen?: number } = {};
    record(one, events.map((e) => ({ ...e })), false, counting(fromOne));
    record(two, events.map((e) => ({ ...e })), true, counting(fromTwo));
    const a = readFileSync(one);
    const b = readFileSync(two);
    expect(b.length).toBe(a.length);
    expect(b.equals(a)).toBe(true);
    // the companion ran in the writer's thread and saw every event
    expect(fromTwo.seen).toBe(30_000);
    const reader = JournalReader.open(two);
    const kinds = [...reader.records()].map((r) => r.kind);
    reader.close();
    expect(kinds.filter((k) => k === RecordKind.checks).length).toBeGreaterThan(5);
    expect(kinds.filter((k) => k === RecordKind.checkpoint).length).toBeGreaterThan(20);
  });

  it('keeps the backward jumps of the clock for the end record, and writes no end record when closed unfinished, as one thread does', () => {
    const events = syntheticJournal(6_000, 13, 3);
    // the clock steps back twice
    for (const at of [1500, 4200]) for (let i = at; i < events.length; i++) (events[i] as { ts: number | null }).ts = (events[i].ts ?? 0) - 5_000_000;
    for (const whole of [true, false]) {
      const files = [false, true].map((threads) => {
        const p = join(dir, `jumps-${whole}-${threads}.journal`);
        const rec = JournalRecorder.create(p, { checkpointEvery: 4096, blockEvents: 700, threads });
        for (let i = 0; i < events.length; i += 999) rec.append(events.slice(i, i + 999).map((e) => ({ ...e })));
        if (whole) rec.close();
        else rec.closeUnfinished();
        return readFileSync(p);
      });
      expect(files[1].equals(files[0])).toBe(true);
    }
  });

  it('refuses an existing journal at create, as an input error, like the one-thread writer', () => {
    const path = join(dir, 'exists.journal');
    writeFileSync(path, 'x');
    let err: unknown;
    try {
      JournalRecorder.create(path, { threads: true });
    } catch (e) {
      err = e;
    }
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/already exists/);
  });

  it('a companion that fails in the writer thread stops the journal there: the caller gets the error, the journal keeps what came before', () => {
    const path = join(dir, 'fails.journal');
    const events = syntheticJournal(20_000, 12, 4);
    const rec = JournalRecorder.create(path, { checkpointEvery: 4096, blockEvents: 1000, threads: true, companion: counting({}, 9000) });
    let err: unknown;
    try {
      for (let i = 0; i < events.length; i += 1000) rec.append(events.slice(i, i + 1000));
      rec.close();
    } catch (e) {
      err = e;
    }
    const at = Number(/companion failed on purpose at (\d+) events/.exec((err as Error).message)?.[1]);
    expect(at).toBeGreaterThanOrEqual(9000);
    const reader = JournalReader.open(path);
    let n = 0;
    for (const b of reader.eventBlocks()) n += b.length;
    reader.close();
    // the blocks written before the failing one are there (the failing one too: the writer
    // wrote it before the companion saw it)
    expect(n).toBeGreaterThanOrEqual(at - 1024);
    expect(n).toBeLessThanOrEqual(at);
  });
  it('a companion whose module cannot load (it loads after the file is open) fails the caller at its next call, not at create', () => {
    const path = join(dir, 'no-module.journal');
    const broken: CheckpointCompanion = { feed: () => undefined, save: () => ({}), offThread: { module: new URL('./no-such-companion.js', import.meta.url).href, onResult: () => undefined } };
    const rec = JournalRecorder.create(path, { checkpointEvery: 4096, threads: true, companion: broken });
    // given the file opened, when the caller goes on and closes, then the module's error reaches it
    let err: unknown;
    try {
      rec.append(syntheticJournal(100, 13, 2));
      rec.close();
    } catch (e) {
      err = e;
    }
    expect((err as Error | undefined)?.message).toMatch(/no-such-companion/);
  });
});
