// The line reader on hostile input: every line ending, lines split across reads, lines far
// longer than any trace line, in plain and gzip files.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { gzipSync, createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type LongLine, readLines } from './lines.js';
import { writeTemp } from './test-support/parse-text.js';
import { seededUniform } from '../kernel/workload/prng.js';

async function all(file: string, chunk?: number, max?: number) {
  const lines: string[] = [];
  const long: LongLine[] = [];
  let next = 1;
  for await (const b of readLines(file, chunk, max)) {
    expect(b.first).toBe(next);
    next += b.lines.length;
    lines.push(...b.lines);
    long.push(...(b.long ?? []));
  }
  return { lines, long };
}


describe('line endings', () => {
  it('"\\n", "\\r\\n" and a lone "\\r" each end a line, a last line without one too', async () => {
    const { lines } = await all(writeTemp('t.txt', 'a\nb\r\nc\rd\r\r\ne'));
    expect(lines).toEqual(['a', 'b', 'c', 'd', '', 'e']);
  });
  it('CR-only files are lines, not one line (issue 16: imported as an empty trace)', async () => {
    const { lines } = await all(writeTemp('t.txt', Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\r') + '\r'));
    expect(lines).toHaveLength(500);
    expect(lines[499]).toBe('line 499');
  });
  it('gives the same lines whatever the read size: endings and UTF-8 split across reads (seeded)', async () => {
    const next = seededUniform(16);
    const ends = ['\n', '\r\n', '\r'];
    const parts: string[] = [];
    for (let i = 0; i < 400; i++) parts.push(`é${'x'.repeat(Math.floor(next() * 40))}${i}` + ends[Math.floor(next() * 3)]);
    const text = parts.join('');
    const expected = parts.map((p) => p.replace(/\r?\n$|\r$/, ''));
    const file = writeTemp('t.txt', text);
    for (const chunk of [1, 2, 3, 7, 64, 1 << 16]) expect((await all(file, chunk)).lines).toEqual(expected);
    expect((await all(writeTemp('t.txt.gz', gzipSync(text)), 5)).lines).toEqual(expected);
  });
});

describe('lines longer than any trace line', () => {
  it('is reported once with its number and length and skipped; the lines after it are read', async () => {
    const text = 'first\n' + 'y'.repeat(5000) + '\nthird\n';
    const { lines, long } = await all(writeTemp('t.txt', text), 256, 1000);
    expect(lines).toEqual(['first', '', 'third']);
    expect(long).toEqual([{ line: 2, length: 5000 }]);
  });
  it('a 30 MB line in gzip and plain, and a last line that never ends: bounded memory, linear time', async () => {
    const big = 30 * 1024 * 1024;
    const file = writeTemp('t.txt.gz', '');
    const gz = createGzip({ level: 1 });
    const out = createWriteStream(file);
    gz.pipe(out);
    gz.write('before\n');
    const block = Buffer.alloc(1 << 20, 0x20);
    for (let i = 0; i < big / block.length; i++) gz.write(block);
    gz.end('\nafter\n' + 'z'.repeat(3 << 20));
    await once(out, 'close');
    const { lines, long } = await all(file);
    expect(lines).toEqual(['before', '', 'after', '']);
    expect(long).toEqual([
      { line: 2, length: big },
      { line: 4, length: 3 << 20 },
    ]);
  });
});
