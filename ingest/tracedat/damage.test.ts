// Damaged trace.dat files: cut at seeded offsets, a flipped byte in the compressed CPU data, a
// wrong magic, an unknown version. Each gives one TraceDatError naming the offset and what was
// expected there, and every record before the damage is kept.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../domain-events/index.js';
import { Diagnostics } from '../diagnostics.js';
import { newHeader } from '../ftrace/header.js';
import { type Located } from '../records.js';
import { writeTemp } from '../test-support/parse-text.js';
import { TraceDatError } from './errors.js';
import { readTraceDat } from './reader.js';
import { seededUniform } from '../../kernel/workload/prng.js';

const V7 = readFileSync('fixtures/traces/x86-q35-vtd-tcg-612-dat/trace.dat');
const V6 = gunzipSync(readFileSync('fixtures/tracedat/x86-q35-vtd-tcg-612-dat.v6.dat.gz'));


async function read(bytes: Buffer): Promise<{ records: Located[]; error: unknown }> {
  const file = writeTemp('trace.dat', bytes);
  const records: Located[] = [];
  try {
    for await (const b of readTraceDat(file, new Diagnostics(), newHeader())) records.push(...b);
    return { records, error: null };
  } catch (error) {
    return { records, error };
  }
}

const keyOf = (r: Located) => `${r.at.cpu}/${r.at.ts}/${r.kind}`;

describe('damaged trace.dat files', () => {
  it('a wrong magic and an unknown version are refused at their offsets', async () => {
    const magic = Buffer.from(V7);
    magic[1] ^= 0xff;
    const m = await read(magic);
    expect(m.error).toBeInstanceOf(TraceDatError);
    expect((m.error as TraceDatError).offset).toBe(0);
    expect(String((m.error as Error).message)).toMatch(/offset 0: expected the trace\.dat magic/);
    const version = Buffer.from(V7);
    version[10] = '9'.charCodeAt(0);
    const v = await read(version);
    expect((v.error as TraceDatError).offset).toBe(10);
    expect((v.error as Error).message).toMatch(/expected file version 6 or 7, found "9"/);
  });

  it('a cut at any offset of a version 6 file keeps every record before it, in order, and says where (seeded)', async () => {
    const clean = (await read(V6)).records.map(keyOf);
    const next = seededUniform(61);
    const cuts = [0, 5, 17, 300, ...Array.from({ length: 14 }, () => Math.floor(next() * V6.length))].sort((a, b) => a - b);
    for (const cut of cuts) {
      const r = await read(V6.subarray(0, cut));
      expect(r.error, `cut at ${cut}`).toBeInstanceOf(InputError);
      expect((r.error as Error).message).toMatch(/offset \d+/);
      expect(r.records.map(keyOf)).toEqual(clean.slice(0, r.records.length));
    }
    // cuts inside the CPU data (the last ~2 MB) keep most of the records
    const late = await read(V6.subarray(0, V6.length - 4096));
    expect(late.records.length).toBeGreaterThan(30000);
  });

  it('a cut of a version 7 file says where (its options and CPU index are at the end)', async () => {
    const next = seededUniform(7);
    for (let i = 0; i < 12; i++) {
      const cut = Math.floor(next() * V7.length);
      const r = await read(V7.subarray(0, cut));
      expect(r.error, `cut at ${cut}`).toBeInstanceOf(InputError);
      expect((r.error as Error).message).toMatch(/offset \d+: expected/);
    }
  });

  it('a flipped byte in the compressed CPU data: an error naming the chunk, the records before it kept, never a crash (seeded)', async () => {
    const clean = (await read(V7)).records.map(keyOf);
    const next = seededUniform(99);
    // CPU 0's chunks start at 0x16e000 (trace-cmd dump); flip bytes among them
    const start = 0x16e000;
    let errors = 0;
    for (let i = 0; i < 12; i++) {
      const at = start + 16 + Math.floor(next() * 200_000);
      const bytes = Buffer.from(V7);
      bytes[at] ^= 1 << Math.floor(next() * 8);
      const r = await read(bytes);
      if (r.error) {
        errors++;
        expect(r.error, `flip at ${at}`).toBeInstanceOf(InputError);
        expect((r.error as Error).message).toMatch(/offset \d+/);
        // a chunk that does not inflate fails before any of its records: what came before is the clean prefix
        if (/inflating/.test((r.error as Error).message)) expect(r.records.map(keyOf)).toEqual(clean.slice(0, r.records.length));
      }
    }
    expect(errors).toBeGreaterThan(0);
  });

  it('a gzip trace.dat that is cut says so', async () => {
    const file = writeTemp('trace.dat.gz', readFileSync('fixtures/tracedat/x86-q35-vtd-tcg-612-dat.v6.dat.gz').subarray(0, 100_000));
    await expect(async () => {
      for await (const b of readTraceDat(file, new Diagnostics(), newHeader())) void b;
    }).rejects.toThrow(/gzip data is corrupt/);
    writeFileSync(file, 'x');
  });
});
