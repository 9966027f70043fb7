// The check / bisect / history / state command lines: JSON shapes, exit codes, clear errors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticStream } from '../../bench/synthetic.js';
import { runChecks } from '../../checks/index.js';
import { type IommuEvent } from '../../domain-events/index.js';
import { JournalReader, JournalRecorder, readJsonl } from '../../replay/index.js';
import { run } from '../main.js';
import { scratchDir } from '../../ingest/test-support/scratch.js';

function capture(): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  return { out: () => out, err: () => err };
}

afterEach(() => vi.restoreAllMocks());

const SHORT = 'fixtures/scenarios/iommu--unmap-short.jsonl';

describe('check, bisect, history, state on the command line', () => {
  it('check --json prints the findings in the agreed shape and exits 1 on errors', async () => {
    const c = capture();
    expect(await run(['check', SHORT, '--json'])).toBe(1);
    const j = JSON.parse(c.out());
    expect(j.events).toBe(7);
    expect(j.findings).toEqual([
      expect.objectContaining({ check: 'iommu/unmap-short', severity: 'error', seq: 6, line: 7, related: [], message: expect.stringMatching(/^iommu_unmap: iova 0x10000 size 0x2000 in domain 1 .* unmapped only 0x1000: .* 0x1000 bytes stay mapped/) }),
    ]);
  });

  it('iommu findings print sizes in hex beside addresses in hex, as iommu.c does (every scenario)', async () => {
    for (const f of readdirSync('fixtures/scenarios').filter((n) => n.startsWith('iommu--') && n.endsWith('.jsonl'))) {
      const c = capture();
      await run(['check', join('fixtures/scenarios', f), '--json', '--only', 'iommu']);
      for (const x of JSON.parse(c.out()).findings as { message: string }[]) {
        expect(x.message, f).not.toMatch(/\bsize (?!0x)\d|only (?!0x)\d|\b\d{3,} bytes/);
      }
      vi.restoreAllMocks();
    }
  });

  it('check --explain adds the history of each finding\'s address', async () => {
    const c = capture();
    expect(await run(['check', SHORT, '--json', '--explain', '3'])).toBe(1);
    const [f] = JSON.parse(c.out()).findings;
    expect(f.history.map((h: { seq: number; line: number; after: string }) => [h.seq, h.line, h.after])).toEqual([
      // the page the short unmap left mapped: still translating after it
      [5, 6, 'domain 1: 1 page(s) mapped -> 0x4a001000'],
      [6, 7, 'domain 1: 1 page(s) mapped -> 0x4a001000'],
    ]);
    expect(f.address).toBe('0x11000');
  });

  it('check --disable turns the check off', async () => {
    const c = capture();
    expect(await run(['check', SHORT, '--json', '--disable', 'iommu/unmap-short'])).toBe(0);
    expect(JSON.parse(c.out()).findings).toEqual([]);
  });

  it('bisect --json names the first failing event', async () => {
    const c = capture();
    // found: exit 1, as check exits 1 on the error it names
    expect(await run(['bisect', SHORT, '--json'])).toBe(1);
    expect(JSON.parse(c.out())).toMatchObject({ firstFailingSeq: 6, line: 7, check: 'iommu/unmap-short' });
  });

  it('bisect --where finds where a state predicate turns true', async () => {
    const c = capture();
    expect(await run(['bisect', SHORT, '--json', '--where', 'mapped 0x11000 in 1'])).toBe(1);
    expect(JSON.parse(c.out())).toMatchObject({ firstFailingSeq: 5, line: 6, method: 'checkpoints' });
  });

  it('check streams a journal: one JSON line, findings as reported, a truncated tail warned about', async () => {
    const dir = scratchDir('ij-check-');
    try {
      const path = join(dir, 'long.journal');
      const rec = JournalRecorder.create(path, { blockEvents: 512, checkpointEvery: 0 });
      // the short unmap, then a long tail of ordinary traffic
      rec.append(readJsonl(SHORT).events);
      for (const b of syntheticStream(20_000, 4, 3, 4096)) rec.append(b.map((e) => ({ ...e, seq: -1 }) as IommuEvent));
      rec.close();
      let c = capture();
      expect(await run(['check', path, '--json', '--only', 'iommu'])).toBe(1);
      const whole = JSON.parse(c.out());
      expect(c.out().trimEnd().split('\n')).toHaveLength(1);
      expect(whole.events).toBe(20_007);
      expect(whole.findings[0]).toMatchObject({ check: 'iommu/unmap-short', seq: 6 });
      // the same findings as the collecting runner, in report order
      const run2 = runChecks(JournalReader.open(path).eventBlocks(), { only: ['iommu'] });
      expect(whole.findings.map((f: { seq: number; check: string }) => `${f.check}@${f.seq}`).sort()).toEqual(run2.findings.map((f) => `${f.check}@${f.seq}`).sort());
      vi.restoreAllMocks();
      // cut the journal in the middle of a record: the intact part is checked, the cut named
      truncateSync(path, Math.floor(statSync(path).size * 0.6));
      c = capture();
      expect(await run(['check', path, '--json', '--only', 'iommu'])).toBe(1);
      const cut = JSON.parse(c.out());
      expect(cut.events).toBeGreaterThan(0);
      expect(cut.events).toBeLessThan(20_007);
      expect(c.err()).toMatch(/incomplete: the writer stopped after event \d+ \(the file ends inside a record at byte offset \d+\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('history shows the map and the short unmap, and what stays mapped', async () => {
    const c = capture();
    expect(await run(['history', SHORT, '--iova', '0x11000', '--domain', '1', '--json'])).toBe(0);
    const j = JSON.parse(c.out());
    expect(j.entries.map((e: { seq: number; after: string }) => [e.seq, e.after])).toEqual([
      [5, 'domain 1: 1 page(s) mapped -> 0x4a001000'],
      [6, 'domain 1: 1 page(s) mapped -> 0x4a001000'],
    ]);
  });

  it('bad input: one clear line and exit 2', async () => {
    for (const [args, msg] of [
      [['check', SHORT, '--only', 'no/such'], /unknown check "no\/such"/],
      [['bisect', SHORT, '--where', 'mapped'], /--where "mapped": expected an address/],
      [['state', SHORT, '--at', '99'], /--at 99: past the end of .*#0\.\.#6/],
      [['state', SHORT, '--at-time', 'noon'], /--at-time: expected seconds/],
      [['history', SHORT, '--iova', '0x900000'], /no event ever touched it/],
    ] as const) {
      const c = capture();
      expect(await run([...args]), args.join(' ')).toBe(2);
      expect(c.err()).toMatch(msg);
      expect(c.err()).not.toMatch(/\n\s+at /);
      vi.restoreAllMocks();
    }
  });
});
