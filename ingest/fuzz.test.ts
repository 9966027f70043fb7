// The parser and importer on broken input: mutated real lines, truncation at every kind of
// boundary, binary garbage, huge numbers. Never a crash; every bad line reported once as
// file:line: field: problem; the import goes on and counts them.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../domain-events/index.js';
import { JournalReader } from '../replay/index.js';
import { importTrace } from './importer.js';
import { HEADER, line, parseText, writeTemp } from './test-support/parse-text.js';

const REAL = readFileSync('fixtures/traces/x86-q35-vtd-strict-612/trace.txt', 'utf8').split('\n').slice(0, 400).join('\n');
const REAL_LINES = REAL.split('\n').filter((l) => !l.startsWith('#') && l.trim());

const PROBLEM = /^[^:]+\.txt:\d+: [\w ./-]+: .+$/;

describe('fuzzed input', () => {
  it('mutated real lines: no crash, each bad line reported once, good lines still parsed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(REAL_LINES.length - 1), fc.nat(200), fc.constantFrom('delete', 'dup', 'byte', 'digit', 'cut')), { minLength: 1, maxLength: 12 }),
        async (muts) => {
          const lines = [...REAL_LINES];
          for (const [i, pos, how] of muts) {
            const l = lines[i];
            const p = Math.min(pos, l.length);
            if (how === 'delete') lines[i] = l.slice(0, p) + l.slice(p + 1);
            else if (how === 'dup') lines[i] = l.slice(0, p) + l.slice(p, p + 5) + l.slice(p);
            else if (how === 'byte') lines[i] = l.slice(0, p) + '\u0000\uFFFD' + l.slice(p + 1);
            else if (how === 'digit') lines[i] = l.replace(/\d{3,}/, '99999999999999999999999999');
            else lines[i] = l.slice(0, p);
          }
          const { records, problems, diag } = await parseText(HEADER + lines.join('\n') + '\n');
          for (const p of problems) expect(p).toMatch(PROBLEM);
          const lineNos = problems.map((p) => /:(\d+):/.exec(p)![1]);
          expect(new Set(lineNos).size).toBe(lineNos.length);
          // a mutated timestamp may go back on its CPU: kept and reported (timeBackwards), not a parse error
          expect(diag.counts.parseErrors + diag.counts.timeBackwards).toBe(problems.length);
          expect(records.length + problems.length).toBeGreaterThanOrEqual(REAL_LINES.length - muts.length);
        },
      ),
      { seed: 20261123, numRuns: 60 },
    );
  });

  it('binary garbage and huge numbers are reported, not thrown', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const text = Buffer.concat([
      Buffer.from(HEADER),
      garbage,
      Buffer.from('\n' + line('dd-1', 0, '1.000001', 'map', 'IOMMU: iova=0x1ffffffffffffffff - 0x0 paddr=0x0 size=4096') + '\n'),
      Buffer.from(line('dd-1', 0, '99999999999999999999.000001', 'unmap', 'IOMMU: iova=0x0 - 0x1000 size=4096 unmapped_size=4096') + '\n'),
    ]);
    const { problems } = await parseText(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => /iova/.test(p))).toBe(true);
    for (const p of problems) expect(p).toMatch(PROBLEM);
  });

  it('a file cut at any point imports what came before the cut', async () => {
    const full = REAL.slice(0, 20000);
    for (const cut of [1, 100, 5000, 12345, 19999]) {
      const file = writeTemp('trace.txt', full.slice(0, cut));
      const r = await importTrace(file, { output: null });
      expect(r.summary.lines).toBeGreaterThan(0);
      expect(r.summary.parseErrors).toBeLessThanOrEqual(1); // only the cut line itself
    }
  });

  it('an import that fails keeps a readable journal of everything written before', async () => {
    const file = writeTemp('trace.txt', REAL);
    const out = file.replace(/trace\.txt$/, 'out.journal');
    const r = await importTrace(file, { output: out });
    const reader = JournalReader.open(out);
    let n = 0;
    for (const b of reader.eventBlocks()) n += b.length;
    reader.close();
    expect(n).toBe(r.summary.events);
    await expect(importTrace(file, { output: out })).rejects.toBeInstanceOf(InputError);
    // the refused second import left the first journal as it was
    const again = JournalReader.open(out);
    let m = 0;
    for (const b of again.eventBlocks()) m += b.length;
    again.close();
    expect(m).toBe(n);
  });

  it('a failure in the middle of an import leaves the events before it in the journal', async () => {
    const big = REAL + '\n' + REAL_LINES.join('\n').repeat(1);
    const file = writeTemp('trace.txt', big.repeat(40));
    const out = file.replace(/trace\.txt$/, 'cut.journal');
    let calls = 0;
    await expect(
      importTrace(file, {
        output: out,
        checkpointEvery: 64,
        onProgress: () => {
          if (++calls === 3) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    const reader = JournalReader.open(out);
    let n = 0;
    for (const b of reader.eventBlocks()) n += b.length;
    expect(reader.damage).toBeNull();
    reader.close();
    expect(n).toBeGreaterThan(0);
  });
});
