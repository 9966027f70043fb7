// Input that is silently misread (issue 16 item 4): each case is reported naming file, line and
// field, with what was kept. Then a seeded mix of them among real lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importTrace } from '../importer.js';
import { HEADER, line, parseText, writeTemp } from '../test-support/parse-text.js';
import { seededUniform } from '../../kernel/workload/prng.js';

const MAP = 'IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000 paddr=0x0000000074df7000 size=4096';
const UNMAP = 'IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000 size=4096 unmapped_size=4096';

describe('lines whose fields contradict each other are skipped and reported', () => {
  it('unmap of size=0 that unmapped bytes (iommu.c __iommu_unmap unmaps nothing then)', async () => {
    const { records, problems, diag } = await parseText(HEADER + line('dd-1', 0, '1.000001', 'unmap', 'IOMMU: iova=0x00000000ffffe000 - 0x00000000ffffe000 size=0 unmapped_size=4096') + '\n');
    expect(records).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/trace\.txt:5: unmap\.unmapped_size: 4096 bytes unmapped for a request of size=0: line skipped$/)]);
    expect(diag.counts.parseErrors).toBe(1);
  });
  it('a range end that is not iova + size (map and unmap); the end wrapping at 2^64 is right', async () => {
    const { records, problems } = await parseText(
      HEADER +
        [
          line('dd-1', 0, '1.000001', 'map', 'IOMMU: iova=0x00000000ffffe000 - 0x00000000ffffffff paddr=0x0000000074df7000 size=4096'),
          line('dd-1', 0, '1.000002', 'unmap', 'IOMMU: iova=0x00000000ffffe000 - 0x0000000000001000 size=4096 unmapped_size=4096'),
          line('dd-1', 0, '1.000003', 'map', 'IOMMU: iova=0xfffffffffffff000 - 0x0000000000000000 paddr=0x0000000074df7000 size=4096'),
        ].join('\n') +
        '\n',
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/:5: map\.size: size=4096 but the range ends at 0xffffffff, not iova \+ size = 0xfffff000/);
    expect(problems[1]).toMatch(/:6: unmap\.size: /);
    expect(records.map((r) => r.at.line)).toEqual([7]);
  });
  it('a CPU beyond the trace\'s own CPU count, or beyond any machine when it gives none', async () => {
    const withHeader = await parseText(HEADER + line('dd-1', 1, '1.000001', 'map', MAP) + '\n' + line('dd-1', 0, '1.000002', 'map', MAP) + '\n');
    expect(withHeader.problems).toEqual([expect.stringMatching(/:5: cpu: CPU 1 is beyond the trace's 1 CPUs: line skipped$/)]);
    expect(withHeader.records).toHaveLength(1);
    const bare = await parseText(line('dd-1', 9000, '1.000001', 'map', MAP) + '\n' + line('dd-1', 300, '1.000002', 'map', MAP) + '\n');
    expect(bare.problems).toEqual([expect.stringMatching(/:1: cpu: CPU 9000 is beyond any machine \(8192 CPUs at most\): line skipped$/)]);
    expect(bare.records).toHaveLength(1);
  });
  it('a timestamp that jumps back to 0 mid-trace: the event is kept as recorded and the jump reported', async () => {
    const { records, problems, diag } = await parseText(HEADER + [line('dd-1', 0, '5.000001', 'map', MAP), line('dd-1', 0, '0.000000', 'unmap', UNMAP), line('dd-1', 0, '0.000010', 'map', MAP)].join('\n') + '\n');
    expect(records).toHaveLength(3);
    expect(problems).toEqual([expect.stringMatching(/:6: timestamp: 0\.000000000 s goes back before 5\.000001000 s \(line 5\) on CPU 0: kept as recorded/)]);
    expect(diag.counts.timeBackwards).toBe(1);
  });
  it('a line longer than 1 MiB is reported once with its number and skipped', async () => {
    const { records, problems, diag } = await parseText(HEADER + line('dd-1', 0, '1.000001', 'map', MAP) + ' ' + 'x'.repeat(1_100_000) + '\n' + line('dd-1', 0, '1.000002', 'map', MAP) + '\n');
    expect(problems).toEqual([expect.stringMatching(/:5: line: 11\d{5} characters, longer than any trace line \(limit 1048576\): skipped$/)]);
    expect(records.map((r) => r.at.line)).toEqual([6]);
    expect(diag.counts.longLines).toBe(1);
  });
  it('a trace with CR-only line endings imports (issue 16: one line, an empty trace, exit 0)', async () => {
    const text = readFileSync('fixtures/traces/x86-q35-vtd-strict-612/trace.txt', 'utf8').split('\n').slice(0, 600).join('\r');
    const r = await importTrace(writeTemp('trace.txt', text), { output: null });
    expect(r.summary.parseErrors).toBe(0);
    expect(r.summary.lines).toBeGreaterThanOrEqual(599);
    expect(r.summary.events).toBeGreaterThan(500);
  });
});


describe('hostile lines among good ones (seeded)', () => {
  it('each is reported with its own line and field, every good line parsed, nothing thrown', async () => {
    const hostile: [string, (ts: string) => string][] = [
      ['unmap.unmapped_size', (ts) => line('dd-1', 0, ts, 'unmap', 'IOMMU: iova=0x00000000ffffe000 - 0x00000000ffffe000 size=0 unmapped_size=4096')],
      ['map.size', (ts) => line('dd-1', 0, ts, 'map', 'IOMMU: iova=0x00000000ffffe000 - 0x00000000ffff0000 paddr=0x0000000074df7000 size=4096')],
      ['cpu', (ts) => line('dd-1', 7, ts, 'map', MAP)],
      ['line', () => 'q'.repeat(1_048_577)],
    ];
    for (let seed = 1; seed <= 4; seed++) {
      const next = seededUniform(seed);
      const lines: string[] = [];
      const expected: [number, string][] = [];
      let good = 0;
      for (let i = 0; i < 300; i++) {
        const ts = `${1 + Math.floor(i / 10)}.${String(i % 10).padStart(6, '0')}`;
        if (next() < 0.1) {
          const [field, make] = hostile[Math.floor(next() * hostile.length)];
          expected.push([5 + i, field]);
          lines.push(make(ts));
        } else {
          good++;
          lines.push(line('dd-1', 0, ts, i % 2 ? 'unmap' : 'map', i % 2 ? UNMAP : MAP));
        }
      }
      const { records, problems } = await parseText(HEADER.replace('#P:1', '#P:4') + lines.join('\n') + '\n');
      expect(records).toHaveLength(good);
      expect(problems.map((p) => { const m = /:(\d+): (\S+):/.exec(p)!; return [Number(m[1]), m[2]]; })).toEqual(expected);
    }
  });
});
