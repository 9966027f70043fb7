// A journal says whether its writer finished: the end record (format v2) against the file, a cut
// at any byte named as the writer stopping there, a changed or moved record caught by the chained
// checksum, a damaged header length said to be corrupt, format v1 read as before.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng } from '../bench/synthetic.js';
import { type IommuEvent } from '../domain-events/index.js';
import { domainAllocated, mapped, unmapped } from '../domain-events/test-events.js';
import { RECORD_HEADER_BYTES, RecordKind } from './journal-format.js';
import { journalProblems } from './journal-problems.js';
import { JournalReader } from './journal-reader.js';
import { JournalWriter } from './journal-writer.js';
import { JournalRecorder } from './recorder.js';
import { verifyJournal } from './verify.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-end-');
let n = 0;
const tmp = (name: string) => join(dir, `${n++}-${name}`);

function sample(count: number): IommuEvent[] {
  const ev: IommuEvent[] = [domainAllocated(1, 0x1000n)];
  for (let i = 0; i < count; i++) {
    ev.push(mapped(1, 0xfff00000n - BigInt(i) * 0x1000n, 0x40000000n + BigInt(i) * 0x1000n, 0x1000n));
    if (i % 4 === 3) ev.push(unmapped(1, 0xfff00000n - BigInt(i) * 0x1000n, 0x1000n));
  }
  return ev;
}

/** A recorded journal with checkpoints, a note and blocks of 7 events. */
function recorded(path: string, events = sample(40)): number {
  const rec = JournalRecorder.create(path, { checkpointEvery: 16, blockEvents: 7 });
  for (let i = 0; i < events.length; i += 4) rec.append(events.slice(i, i + 4));
  rec.note({ kind: 'test' });
  rec.close();
  return events.length;
}

function statusOf(path: string) {
  const r = JournalReader.open(path);
  try {
    [...r.records()];
    return { status: r.status(), problems: journalProblems(r, 'J') };
  } finally {
    r.close();
  }
}

describe('journal end record', () => {
  it('a closed journal is complete: its end record agrees with every record before it', () => {
    const p = tmp('whole.journal');
    const events = recorded(p);
    const { status, problems } = statusOf(p);
    expect(status.kind).toBe('complete');
    expect(status.events).toBe(events);
    expect(problems).toEqual([]);
    const v = verifyJournal(p);
    expect(v).toMatchObject({ ok: true, complete: true, incomplete: null, damage: null, events });
  });

  it('cut anywhere after the header: incomplete, naming the last event before the cut; never complete', () => {
    const p = tmp('cut-src.journal');
    recorded(p);
    const full = readFileSync(p);
    const r = JournalReader.open(p);
    const frames = r.scan().records;
    const dataOffset = r.dataOffset;
    r.close();
    // every record boundary and the bytes around it, the first and last 256 bytes, and seeded offsets between
    const r0 = rng(12);
    const cuts = new Set<number>();
    for (const f of frames) for (const at of [f.offset, f.payloadOffset + f.payloadLength]) for (let d = -2; d <= 2; d++) cuts.add(at + d);
    for (let d = 0; d < 256; d++) cuts.add(dataOffset + d).add(full.length - 1 - d);
    for (let k = 0; k < 300; k++) cuts.add(dataOffset + Math.floor(r0() * (full.length - dataOffset)));
    for (const cut of [...cuts].filter((c) => c >= dataOffset && c < full.length).sort((a, b) => a - b)) {
      const q = tmp('cut.journal');
      writeFileSync(q, full.subarray(0, cut));
      const whole = frames.filter((f) => f.payloadOffset + f.payloadLength <= cut);
      const events = whole.filter((f) => f.kind === RecordKind.events).reduce((a, f) => a + f.count, 0);
      const { status, problems } = statusOf(q);
      expect(status.kind, `cut at ${cut}`).toBe('incomplete');
      expect(status.events).toBe(events);
      const atBoundary = cut === dataOffset || whole.some((f) => f.payloadOffset + f.payloadLength === cut);
      const stopped = events === 0 ? 'before the first event' : `after event ${events - 1}`;
      const lastEnd = whole.length ? whole[whole.length - 1].payloadOffset + whole[whole.length - 1].payloadLength : dataOffset;
      const why = atBoundary ? 'no end record' : `the file ends inside a record at byte offset ${lastEnd}`;
      expect(problems).toEqual([`J: incomplete: the writer stopped ${stopped} (${why}); the ${events} events before it were read`]);
      const v = verifyJournal(q);
      expect(v.ok).toBe(false);
      expect(v.complete).toBe(false);
      expect(v.damage).toBeNull();
      expect(v.events).toBe(events);
    }
  });

  it('a writer stopped on an error path keeps every event but says it stopped', () => {
    const p = tmp('unfinished.journal');
    const w = JournalWriter.create(p, { blockEvents: 1000 });
    w.append(sample(10));
    w.closeUnfinished();
    const { status, problems } = statusOf(p);
    expect(status).toMatchObject({ kind: 'incomplete', events: sample(10).length, cutAt: null });
    expect(problems[0]).toMatch(/^J: incomplete: the writer stopped after event 12 \(no end record\)/);
  });

  it('a record dropped, moved or added, or bytes after the end, are caught by the end record', () => {
    const p = tmp('tamper-src.journal');
    recorded(p);
    const full = readFileSync(p);
    const r = JournalReader.open(p);
    const frames = r.scan().records;
    r.close();
    const span = (i: number) => full.subarray(frames[i].offset, frames[i].payloadOffset + frames[i].payloadLength);
    const cps = frames.map((f, i) => (f.kind === RecordKind.checkpoint ? i : -1)).filter((i) => i >= 0);
    const note = frames.findIndex((f) => f.kind === RecordKind.note);
    const cases: [string, Buffer, RegExp][] = [
      // a checkpoint dropped: the counts disagree
      ['dropped', Buffer.concat([full.subarray(0, frames[cps[0]].offset), full.subarray(frames[cps[0] + 1].offset)]), /end record says \d+ records/],
      // two checkpoints swapped: the same counts, the chain differs
      [
        'moved',
        Buffer.concat([full.subarray(0, frames[cps[0]].offset), span(cps[1]), full.subarray(frames[cps[0]].payloadOffset + frames[cps[0]].payloadLength, frames[cps[1]].offset), span(cps[0]), full.subarray(frames[cps[1]].payloadOffset + frames[cps[1]].payloadLength)]),
        /checksum of the whole file does not match/,
      ],
      // the note written twice
      ['added', Buffer.concat([full.subarray(0, frames[note].offset), span(note), full.subarray(frames[note].offset)]), /end record says \d+ records/],
      ['trailing', Buffer.concat([full, Buffer.from('garbage')]), /7 bytes after the end record/],
    ];
    for (const [what, bytes, why] of cases) {
      const q = tmp(`${what}.journal`);
      writeFileSync(q, bytes);
      const v = verifyJournal(q);
      expect(v.ok, what).toBe(false);
      expect(v.damage?.reason, what).toMatch(why);
    }
  });

  it('a flipped bit in the header length says the header is corrupt, not truncated', () => {
    const p = tmp('hdr.journal');
    recorded(p);
    const full = readFileSync(p);
    for (const [byte, bit] of [
      [12, 0x40],
      [11, 0x01],
      [13, 0x80],
      [10, 0x20],
    ]) {
      const bad = Buffer.from(full);
      bad[byte] ^= bit;
      const q = tmp('hdrflip.journal');
      writeFileSync(q, bad);
      expect(() => JournalReader.open(q), `byte ${byte}`).toThrow(/header is corrupt: its length field \(offset 10\) says \d+ bytes/);
    }
    // a real cut inside the header is still a truncation
    const q = tmp('hdrcut.journal');
    writeFileSync(q, full.subarray(0, 40));
    expect(() => JournalReader.open(q)).toThrow(/header truncated: the file ends at offset 40/);
  });

  it('format v1 (no end record) reads as before and says completeness cannot be checked', () => {
    const v = verifyJournal('fixtures/journals/legacy-checkpoints.journal');
    expect(v).toMatchObject({ ok: true, complete: null, incomplete: null, damage: null, events: 966 });
    expect(v.header?.formatVersion).toBe(1);
    expect(RECORD_HEADER_BYTES).toBe(21);
  });
});
