// trace.dat read natively, proven on real files: the same records as the tracefs text and the
// trace-cmd report text of the same ring buffers.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../diagnostics.js';
import { FormatSet } from '../ftrace/format-set.js';
import { newHeader, parseTrace, type TraceHeader } from '../ftrace/parse.js';
import { readLines } from '../lines.js';
import { type Located } from '../records.js';
import { readTraceDat } from './reader.js';

const DAT = 'fixtures/traces/x86-q35-vtd-tcg-612-dat';
const HEAVY = 'fixtures/traces/x86-q35-vtd-tcg-612-lazy-heavy';

async function dat(file: string, limit = Infinity) {
  const diag = new Diagnostics();
  const header = newHeader();
  const records: Located[] = [];
  for await (const b of readTraceDat(file, diag, header)) {
    records.push(...b);
    if (records.length >= limit) break;
  }
  return { records: records.slice(0, limit), diag, header };
}

async function text(file: string, folder: string | null) {
  const diag = new Diagnostics();
  const header: TraceHeader = newHeader();
  const records: Located[] = [];
  for await (const b of parseTrace(readLines(file), file, diag, header, FormatSet.fromFolder(folder))) records.push(...b);
  return { records, diag, header };
}

/** a record as text prints it: timestamps at µs (the kernel's ns2usecs rounds), without the line number */
function atMicros(r: Located, withIrq: boolean): unknown {
  const { at, ...rest } = r;
  return { ...rest, ts: Math.round(at.ts / 1000) * 1000, cpu: at.cpu, task: at.task, pid: at.pid, ...(withIrq ? { irq: at.irq } : {}) };
}

function firstDifference(a: Located[], b: Located[], withIrq: boolean): number {
  return a.findIndex((r, i) => !isDeepStrictEqual(atMicros(r, withIrq), atMicros(b[i], withIrq)));
}

describe('trace.dat (trace-cmd 3.1.6, file version 7, zstd) of x86-q35-vtd-tcg-612-dat', () => {
  it('says what the file says about itself', async () => {
    const { header, diag } = await dat(`${DAT}/trace.dat`);
    expect(header).toMatchObject({ source: 'trace.dat', fileVersion: 7, kernel: '6.12.117+deb12-amd64', machine: 'x86_64', cpus: 2, traceClock: 'global', assumedLayouts: [] });
    expect(diag.counts.parseErrors).toBe(0);
    expect(diag.counts.unknownEvents).toBe(0);
  });
  it('gives the records of trace.txt, event for event and field for field (irq flags, task, pid, CPU; ts at the text µs)', async () => {
    const d = await dat(`${DAT}/trace.dat`);
    const t = await text(`${DAT}/trace.txt.gz`, DAT);
    expect(d.records.length).toBe(38923);
    expect(d.records.length).toBe(t.records.length);
    const first = firstDifference(d.records, t.records, true);
    if (first >= 0) expect(atMicros(d.records[first], true)).toEqual(atMicros(t.records[first], true));
    // and keeps the full ns the text rounds away
    expect(d.records.filter((r) => r.at.ts % 1000 !== 0).length).toBeGreaterThan(38000);
    expect(d.records[0].at.ts).toBe(2_062_762_979);
  });
  it('gives the records of report.txt too (dma_map_sg / dma_unmap_sg there are [FAILED TO PARSE])', async () => {
    const d = await dat(`${DAT}/trace.dat`);
    const r = await text(`${DAT}/report.txt.gz`, DAT);
    expect(firstDifference(d.records, r.records, false)).toBe(-1);
  });
  it('reads the same ring buffer as file version 6 (trace-cmd convert --file-version 6, uncompressed, gzipped here)', async () => {
    const v7 = await dat(`${DAT}/trace.dat`);
    const v6 = await dat('fixtures/tracedat/x86-q35-vtd-tcg-612-dat.v6.dat.gz');
    expect(v6.header).toMatchObject({ fileVersion: 6, kernel: '6.12.117+deb12-amd64', cpus: 2, traceClock: 'global' });
    expect(v6.records).toEqual(v7.records);
  });
  it('reports progress over the CPU data, not the whole file: it ends at 100 % (kallsyms and formats are most of this file)', async () => {
    for (const file of [`${DAT}/trace.dat`, 'fixtures/tracedat/x86-q35-vtd-tcg-612-dat.v6.dat.gz']) {
      const calls: [number, number][] = [];
      for await (const b of readTraceDat(file, new Diagnostics(), newHeader(), { onProgress: (done, total) => calls.push([done, total]) })) void b;
      const [done, total] = calls[calls.length - 1];
      expect(calls.length).toBeGreaterThan(2);
      expect(done).toBe(total);
      expect(calls.every(([d, t], i) => t === total && d <= t && (i === 0 || d >= calls[i - 1][0]))).toBe(true);
    }
  });
});

describe('trace.dat of the heavy capture (trace-cmd record, 2.56 M events, v7 zstd)', () => {
  it('decodes a 20,000-event prefix exactly as trace-cmd report prints it, merged across CPUs in its order', async () => {
    const r = await text('fixtures/tracedat/x86-q35-vtd-tcg-612-lazy-heavy.report-head.txt.gz', HEAVY);
    expect(r.records.length).toBe(20000);
    const d = await dat(`${HEAVY}/trace.dat`, 20000);
    expect(d.diag.counts.parseErrors).toBe(0);
    const first = firstDifference(d.records, r.records, false);
    if (first >= 0) expect(atMicros(d.records[first], false)).toEqual(atMicros(r.records[first], false));
    expect(new Set(d.records.map((x) => x.at.cpu))).toEqual(new Set([0, 1]));
  });
});
