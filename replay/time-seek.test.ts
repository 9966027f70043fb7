// Seek by trace time when the clock goes back mid-trace: the one stretch whose span holds the
// time answers (never "after event #-1" because a later block started earlier); a time no
// stretch holds, or several hold, is an error naming the stretches. The writer keeps the jumps
// in the end record; a journal without one finds the same jumps by reading.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventToJson, type IommuEvent, isInputError } from '../domain-events/index.js';
import { domainAllocated, mapped } from '../domain-events/test-events.js';
import { runCli } from '../cli/test-support/run-cli.js';
import { JournalWriter } from './journal-writer.js';
import { Timeline } from './seek.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-tseek-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 2000 events: #0..#999 at 4.000–4.999 s, then the clock restarts: #1000..#1999 at 0.000–0.999 s. */
function jumped(): IommuEvent[] {
  const ev: IommuEvent[] = [];
  for (let i = 0; i < 2000; i++) {
    const e = i === 0 ? domainAllocated(1) : mapped(1, BigInt(0x100000 + i) << 12n, BigInt(0x40000 + i) << 12n, 0x1000n);
    (e as { seq: number }).seq = i;
    (e as { ts: number }).ts = (i < 1000 ? 4_000_000_000 : 0) + (i % 1000) * 1_000_000;
    ev.push(e);
  }
  return ev;
}

function journal(name: string, events: IommuEvent[], whole: boolean): string {
  const p = join(dir, name);
  const w = JournalWriter.create(p, { blockEvents: 128 });
  w.append(events);
  if (whole) w.close();
  else w.closeUnfinished();
  return p;
}

function seekError(tl: Timeline, ns: number): string {
  try {
    tl.seekTime(ns);
  } catch (err) {
    expect(isInputError(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`seekTime(${ns}) answered`);
}

describe('seek by time across a backward jump of the trace clock', () => {
  for (const whole of [true, false]) {
    it(`answers in the stretch that holds the time (${whole ? 'jumps from the end record' : 'no end record: jumps found by reading'})`, () => {
      const tl = Timeline.open(journal(`j-${whole}.journal`, jumped(), whole));
      try {
        expect(tl.timeJumps()).toEqual([{ seq: 1000, from: 4_999_000_000, to: 0 }]);
        const at = tl.seekTime(500_000_000);
        expect(at.seq).toBe(1500);
        expect(at.note).toMatch(/goes back once, at event 1000 \(4\.999000000 s → 0\.000000000 s\).*#1000–#1999/);
        expect(tl.seekTime(4_250_000_000)).toMatchObject({ seq: 250 });
        // between the stretches' spans, and past both: no stretch holds it
        expect(seekError(tl, 2_000_000_000)).toMatch(/no stretch of it holds that time \(stretches #0–#999 .*#1000–#1999/);
        expect(seekError(tl, 9_000_000_000)).toMatch(/give --at SEQ/);
      } finally {
        tl.close();
      }
    });
  }

  it('a time two stretches hold is ambiguous, and the error lists both', () => {
    const ev = jumped().map((e) => ({ ...e, ts: e.seq < 1000 ? e.ts! - 3_500_000_000 : e.ts }) as IommuEvent);
    const tl = Timeline.open(journal('twice.journal', ev, true));
    try {
      expect(seekError(tl, 700_000_000)).toMatch(/occurs 2 times: in #0–#999 .*, #1000–#1999/);
    } finally {
      tl.close();
    }
  });

  it('state --at-time 0.5 after the clock restarted at 0 answers after event #1500, not #-1', async () => {
    const p = join(dir, 'jumped.jsonl');
    writeFileSync(p, jumped().map((e) => JSON.stringify(eventToJson(e), (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v))).join('\n') + '\n');
    const r = await runCli(['state', p, '--at-time', '0.5']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/state after event #1500/);
    expect(r.err).toMatch(/the trace clock goes back once, at event 1000/);
  });
});
