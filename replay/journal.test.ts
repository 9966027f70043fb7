import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DmaApiCalled,
  eventToJson,
  type IommuEvent,
  MarkerWritten,
  registerUpcaster,
  unregisterUpcaster,
  validateEvent,
} from '../domain-events/index.js';
import { domainAllocated, mapped, unmapped } from '../domain-events/test-events.js';
import { evolveBatch, initialState, stateHash } from '../reducers/index.js';
import { JournalReader } from './journal-reader.js';
import { JournalWriter } from './journal-writer.js';
import { parseJsonl, eventToJsonLine } from './jsonl.js';
import { JournalRecorder } from './recorder.js';
import { verifyJournal } from './verify.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-journal-');
let n = 0;
const tmp = (name: string) => join(dir, `${n++}-${name}`);

const TOP = 0xfffffffffffff000n;
const HIGH = 0x1_0000_0000_0000n;

function sample(count = 40): IommuEvent[] {
  const ev: IommuEvent[] = [domainAllocated(1, 0x1000n)];
  for (let i = 0; i < count; i++) {
    ev.push(mapped(1, TOP - BigInt(i) * 0x1000n, HIGH + BigInt(i) * 0x1000n, 0x1000n));
    if (i % 3 === 2) ev.push(unmapped(1, TOP - BigInt(i - 1) * 0x1000n, 0x1000n));
  }
  ev.push(
    DmaApiCalled.make({
      device: '0000:00:05.0',
      call: 'map_sg',
      dir: 'FROM_DEVICE',
      dmaAddr: TOP,
      phys: null,
      size: null,
      attrs: 'NO_WARN',
      gfp: null,
      sg: { nents: 2, nentsTotal: 2, ents: 1, entsTotal: 1, dmaAddrs: [TOP], sizes: [0x2000n], physAddrs: [HIGH, HIGH + 0x1000n], truncated: false },
      errno: null,
      domain: 1,
    }),
  );
  ev.push(MarkerWritten.make({ text: 'RUN dd if=/dev/vda' }, { ts: 3_801_467_000, cpu: 0, src: 'trace.txt', line: 225, task: 'init', pid: 1, irq: '.....' }));
  return ev;
}

function write(path: string, events: IommuEvent[], blockEvents = 8): void {
  const w = JournalWriter.create(path, { source: 'test', profile: 'linux-6.1', blockEvents });
  w.append(events);
  w.close();
}

function readAll(path: string): { events: IommuEvent[]; damage: JournalReader['damage'] } {
  const r = JournalReader.open(path);
  const events = [...r.events(true)];
  r.close();
  return { events, damage: r.damage };
}

describe('journal', () => {
  it('round-trips every event exactly, 64-bit addresses included', () => {
    const p = tmp('rt.journal');
    const ev = sample();
    write(p, ev);
    const { events, damage } = readAll(p);
    expect(damage).toBeNull();
    expect(events.map(eventToJson)).toEqual(ev.map(eventToJson));
    const m = events.find((e) => e.type === 'Mapped') as Extract<IommuEvent, { type: 'Mapped' }>;
    expect(m.iova).toBe(TOP);
    expect(m.paddr).toBe(HIGH);
  });

  it('keeps every complete record when truncated at any byte offset, and names the offset', () => {
    const p = tmp('trunc.journal');
    const ev = sample(20);
    write(p, ev, 5);
    const full = readFileSync(p);
    const r = JournalReader.open(p);
    const recs = r.scan().records;
    const headerEnd = r.dataOffset;
    r.close();
    for (let cut = headerEnd; cut < full.length; cut++) {
      const q = tmp('cut.journal');
      writeFileSync(q, full.subarray(0, cut));
      const { events, damage } = readAll(q);
      const complete = recs.filter((x) => x.payloadOffset + x.payloadLength <= cut);
      const expected = complete.reduce((a, x) => a + x.count, 0);
      expect(events.length).toBe(expected);
      expect(events.map((e) => e.seq)).toEqual(ev.slice(0, expected).map((e) => e.seq));
      if (cut === complete.reduce((end, x) => Math.max(end, x.payloadOffset + x.payloadLength), headerEnd)) expect(damage).toBeNull();
      else expect(damage?.offset).toBe(complete.length ? complete[complete.length - 1].payloadOffset + complete[complete.length - 1].payloadLength : headerEnd);
    }
  });

  it('refuses a file truncated inside its header with a clear error', () => {
    const p = tmp('h.journal');
    write(p, sample(3));
    const q = tmp('hcut.journal');
    writeFileSync(q, readFileSync(p).subarray(0, 20));
    expect(() => JournalReader.open(q)).toThrow(/header truncated/);
    writeFileSync(q, Buffer.from('not a journal at all'));
    expect(() => JournalReader.open(q)).toThrow(/not an iommu-journal file/);
  });

  it('detects a flipped bit in any record and keeps the records before it', () => {
    const p = tmp('flip.journal');
    const ev = sample(30);
    write(p, ev, 6);
    const full = readFileSync(p);
    const r = JournalReader.open(p);
    const recs = r.scan().records;
    r.close();
    for (let i = 0; i < recs.length; i++) {
      const rec = recs[i];
      for (const at of [rec.offset + 1, rec.offset + 9, rec.payloadOffset + Math.floor(rec.payloadLength / 2)]) {
        const bad = Buffer.from(full);
        bad[at] ^= 0x10;
        const q = tmp('flipped.journal');
        writeFileSync(q, bad);
        const { events, damage } = readAll(q);
        expect(damage?.offset).toBe(rec.offset);
        expect(events.length).toBe(recs.slice(0, i).reduce((a, x) => a + x.count, 0));
        const v = verifyJournal(q);
        expect(v.ok).toBe(false);
        expect(v.damage?.offset).toBe(rec.offset);
      }
    }
  });

  it('never rewrites an existing journal unless asked, and then only by replacing it whole', () => {
    const p = tmp('once.journal');
    write(p, sample(2));
    expect(() => JournalWriter.create(p)).toThrow(/already exists/);
    const w = JournalWriter.create(p, { overwrite: true });
    w.append(sample(1));
    w.abandon();
    expect(readAll(p).events.length).toBe(sample(2).length);
  });

  it('keeps what was appended before a failure when the writer is closed on the error path', () => {
    const p = tmp('fail.journal');
    const w = JournalWriter.create(p, { blockEvents: 1000 });
    const ev = sample(10);
    try {
      w.append(ev);
      throw new Error('import failed half way');
    } catch {
      w.close();
    }
    expect(readAll(p).events.length).toBe(ev.length);
  });

  it('stores checkpoints that restore to the same state hash', () => {
    const p = tmp('cp.journal');
    const rec = JournalRecorder.create(p, { checkpointEvery: 10, blockEvents: 4 });
    const ev = sample(30);
    for (const e of ev) rec.append([e]);
    const final = rec.close();
    const r = JournalReader.open(p);
    let last = initialState();
    let count = 0;
    let events: IommuEvent[] = [];
    for (const x of r.records()) {
      if (x.kind === 2) {
        last = r.decodeCheckpoint(x);
        expect(stateHash(last)).toBe(stateHash(evolveBatch(initialState(), events)));
        count++;
      } else if (x.kind === 1) events = events.concat(r.decodeEvents(x));
    }
    r.close();
    expect(count).toBeGreaterThan(2);
    expect(stateHash(evolveBatch(initialState(), events))).toBe(stateHash(final));
  });

  it('exports and imports JSONL without losing a bit', () => {
    const ev = sample(5);
    ev.forEach((e, i) => ((e as { seq: number }).seq = i));
    const text = ev.map(eventToJsonLine).join('\n');
    expect(text).toContain('"0xfffffffffffff000"');
    expect(text).toContain('"0x1000000000000"');
    const back = parseJsonl(text, 'x.jsonl').events;
    expect(back.map(eventToJson)).toEqual(ev.map(eventToJson));
  });

  it('reports a malformed JSONL line with file, line and field', () => {
    const good = eventToJsonLine({ ...sample(1)[1], seq: 0 } as IommuEvent);
    const bad = good.replace('"iova":"0xfffffffffffff000"', '"iova":"0xZZ"');
    expect(() => parseJsonl(`${good}\n${bad}\n`, 'in.jsonl')).toThrow(/in\.jsonl:2: Mapped\.iova: expected a 64-bit unsigned value/);
    const r = parseJsonl(`${good}\n{oops\n${bad}`, 'in.jsonl', true);
    expect(r.events.length).toBe(1);
    expect(r.problems.map((p) => p.line)).toEqual([2, 3]);
  });

  it('upcasts an event written under an older schema version', () => {
    // Pretend MarkerWritten v0 called its text field "message".
    const marker = sample(0).find((e) => e.type === 'MarkerWritten')!;
    const old = { ...eventToJson({ ...marker, seq: 3 } as IommuEvent), v: 0 } as Record<string, unknown>;
    old.message = old.text;
    delete old.text;
    expect(validateEvent({ ...old, v: 0 }).ok).toBe(false);
    registerUpcaster('MarkerWritten', 0, (e) => {
      const { message, ...rest } = e as Record<string, unknown> & { type: string; v: number };
      return { ...rest, v: 1, text: message };
    });
    try {
      const v = validateEvent(old);
      expect(v.ok && v.event.type === 'MarkerWritten' && v.event.text).toBe('RUN dd if=/dev/vda');
    } finally {
      unregisterUpcaster('MarkerWritten', 0);
    }
    expect(validateEvent({ ...old, v: 0 })).toEqual({ ok: false, error: 'MarkerWritten: no upcaster from schema v0 to v1 (current v1)' });
    expect(validateEvent({ ...old, v: 9 })).toEqual({ ok: false, error: "MarkerWritten.v: schema v9 is newer than this tool's v1" });
  });
});
