// Checkpoints in a journal: full ones every `checkpointEvery` events, deltas between, all
// restoring to the state a replay from zero reaches; journals written with the msgpack
// checkpoints of before still read; a delta that cannot find its base is a clear error that
// costs nothing written before it.
import { appendFileSync, copyFileSync, truncateSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng, syntheticJournal } from '../bench/synthetic.js';
import { type IommuEvent, isInputError } from '../domain-events/index.js';
import { evolveBatch, initialState, stateHash } from '../reducers/index.js';
import { deltaBaseOf, encodeDeltaPayload } from './checkpoint-payload.js';
import { encodeRecord, RecordKind } from './journal-format.js';
import { JournalReader } from './journal-reader.js';
import { deltaEveryFor, JournalRecorder } from './recorder.js';
import { Timeline } from './seek.js';
import { verifyJournal } from './verify.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-cpj-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LEGACY = join(import.meta.dirname, '..', 'fixtures', 'journals', 'legacy-checkpoints.journal');

/** Every checkpoint record of a journal with the state a replay from zero reaches there. */
function checkpointsWithReplay(path: string): { seq: number; delta: boolean; restored: string; replayed: string }[] {
  const r = JournalReader.open(path);
  const out: { seq: number; delta: boolean; restored: string; replayed: string }[] = [];
  let s = initialState();
  try {
    for (const rec of r.records()) {
      if (rec.kind === RecordKind.events) s = evolveBatch(s, r.decodeEvents(rec));
      else if (rec.kind === RecordKind.checkpoint) {
        // a fresh reader each time: the delta chain is resolved from the file, not from a cache
        const cold = JournalReader.open(path);
        out.push({ seq: rec.firstSeq, delta: deltaBaseOf(rec.payload) !== null, restored: stateHash(cold.decodeCheckpoint(rec)), replayed: stateHash(s) });
        cold.close();
      }
    }
  } finally {
    r.close();
  }
  return out;
}

describe('checkpoints in a journal', () => {
  const events = syntheticJournal(21_000, 4, 5);
  const path = join(dir, 'deltas.journal');
  const saves: number[] = [];
  let seq = 0;
  const rec = JournalRecorder.create(path, {
    checkpointEvery: 4096,
    blockEvents: 500,
    companion: { feed: (ev: readonly IommuEvent[]) => void (seq += ev.length), save: () => (saves.push(seq), { seq }) },
  });
  // appends of odd sizes: the checkpoints still land every 1024 events exactly
  const r = rng(9);
  for (let i = 0; i < events.length; ) {
    const n = 1 + Math.floor(r() * 3000);
    rec.append(events.slice(i, i + n));
    i += n;
  }
  rec.close();

  it('a delta every quarter of the checkpoint spacing, a full one every checkpointEvery, the checks records beside the full ones only', () => {
    expect(deltaEveryFor(4096)).toBe(1024);
    expect(deltaEveryFor(3000)).toBe(0);
    const cps = checkpointsWithReplay(path);
    expect(cps.map((c) => c.seq)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1024));
    // the first is full too: a delta needs an earlier checkpoint to be written against
    expect(cps.map((c) => c.delta)).toEqual(cps.map((c) => c.seq % 4096 !== 0 && c.seq !== 1024));
    expect(saves).toEqual([4096, 8192, 12288, 16384, 20480]);
  });

  it('every checkpoint, full or delta, restores to the replayed state', () => {
    for (const c of checkpointsWithReplay(path)) expect(c.restored, `checkpoint before #${c.seq}`).toBe(c.replayed);
  });

  it('a seek restores the nearest checkpoint (a delta, most often) and replays fewer than 1024 events', () => {
    const r2 = rng(21);
    for (let i = 0; i < 12; i++) {
      const tl = Timeline.open(path);
      const target = Math.floor(r2() * events.length);
      expect(stateHash(tl.stateAt(target)), `seq ${target}`).toBe(stateHash(evolveBatch(initialState(), events.slice(0, target + 1))));
      expect(tl.stats.eventsReplayed).toBeLessThan(1024);
      tl.close();
    }
  });

  it('appends of one event and of thousands write the same journal (the recorder keeps one Tx from checkpoint to checkpoint)', () => {
    const epoch = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const files: Buffer[] = [];
      for (const step of [1, 7, 5000]) {
        const p = join(dir, `step-${step}.journal`);
        const rr = JournalRecorder.create(p, { checkpointEvery: 4096, blockEvents: 500 });
        const evs = events.slice(0, 9000).map((e) => ({ ...e }));
        for (let i = 0; i < evs.length; i += step) rr.append(evs.slice(i, i + step));
        rr.close();
        files.push(readFileSync(p));
      }
      expect(files[0].equals(files[2])).toBe(true);
      expect(files[1].equals(files[2])).toBe(true);
    } finally {
      if (epoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = epoch;
    }
  });

  it('reads the checkpoints of a journal written before the compact form', () => {
    const cps = checkpointsWithReplay(LEGACY);
    expect(cps.length).toBe(4);
    for (const c of cps) expect(c.restored, `legacy checkpoint before #${c.seq}`).toBe(c.replayed);
    const v = verifyJournal(LEGACY);
    expect(v).toMatchObject({ ok: true, checkpoints: 4, events: 966 });
    const tl = Timeline.open(LEGACY);
    const all = [...tl.range(0, tl.lastSeq)];
    // a checkpoint this near the start is not worth restoring for a seek: the probe restores it
    expect(stateHash(tl.checkpointState(2))).toBe(stateHash(evolveBatch(initialState(), all.slice(0, tl.checkpointSeqs()[2]))));
    expect(stateHash(tl.stateAt(900))).toBe(stateHash(evolveBatch(initialState(), all.slice(0, 901))));
    expect(tl.stats.checkpointsRestored).toBe(1);
    tl.close();
  });

  it('a delta whose base is not where it says is an InputError naming its offset; the records before it stay readable', () => {
    const bad = join(dir, 'bad-base.journal');
    copyFileSync(path, bad);
    // the record goes where the end record was (a record after it would be damage of its own)
    const r0 = JournalReader.open(bad);
    const st = r0.status();
    const end = st.kind === 'complete' ? st.end.bytes : r0.size;
    r0.close();
    truncateSync(bad, end);
    const s = evolveBatch(initialState(), events);
    appendFileSync(bad, encodeRecord(RecordKind.checkpoint, events.length, 0, encodeDeltaPayload(s, s, { offset: 77, firstSeq: 5 })));
    const rd = JournalReader.open(bad);
    const recs = [...rd.records()];
    let err: unknown;
    try {
      rd.decodeCheckpoint(recs[recs.length - 1]);
    } catch (x) {
      err = x;
    }
    rd.close();
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`checkpoint at offset ${end} does not restore \\(its base at offset 77 is not a record before it\\)`));
    const v = verifyJournal(bad);
    expect(v.damage?.offset).toBe(end);
    expect(v.events).toBe(events.length);
  });
});
