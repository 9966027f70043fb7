// JSON Lines journals: seq runs 0, 1, 2, … and every reader refuses a gap, a repeat or a swap the
// same way, naming file, line and field (seeded damage: lines dropped, repeated, swapped).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rng } from '../bench/synthetic.js';
import { isInputError } from '../domain-events/index.js';
import { parseJsonl } from './jsonl.js';

const LINES = readFileSync('fixtures/journals/demo.jsonl', 'utf8').trimEnd().split('\n');

function refusal(text: string): string {
  try {
    parseJsonl(text, 'x.jsonl');
  } catch (err) {
    expect(isInputError(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('JSONL seq', () => {
  it('the bundled JSONL is whole: seq 0.. in order', () => {
    expect(parseJsonl(LINES.join('\n'), 'demo.jsonl').events.map((e) => e.seq)).toEqual(LINES.map((_, i) => i));
  });

  it('a line dropped, repeated or moved is refused at its line, naming seq (seeded)', () => {
    const r = rng(44);
    for (let k = 0; k < 60; k++) {
      const lines = [...LINES];
      const i = 1 + Math.floor(r() * (lines.length - 2));
      const kind = k % 3;
      if (kind === 0) lines.splice(i, 1);
      else if (kind === 1) lines.splice(i, 0, lines[i - 1]);
      else [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
      const msg = refusal(lines.join('\n'));
      const want = kind === 0 ? `seq: ${i + 1} where ${i} was expected (1 event missing before it` : kind === 1 ? `seq: ${i - 1} where ${i} was expected (out of order` : `seq: ${i + 1} where ${i} was expected (1 event missing before it`;
      expect(msg, `case ${k}`).toContain(`x.jsonl:${i + 1}: ${want}`);
    }
  });

  it('a file that starts past 0 is missing its first events', () => {
    expect(refusal(LINES.slice(3).join('\n'))).toMatch(/^x\.jsonl:1: seq: 3 where 0 was expected \(3 events missing before it/);
  });

  it('lenient reading says the first gap once and keeps the events in order', () => {
    const r = parseJsonl([...LINES.slice(0, 5), ...LINES.slice(7)].join('\n'), 'x.jsonl', true);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ line: 6 });
    expect(r.events.map((e) => e.seq)).toEqual(r.events.map((_, i) => i));
  });
});
