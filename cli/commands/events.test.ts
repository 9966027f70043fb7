// events --range and history --iova answer one question the same way: on a real capture, for
// seeded ranges (with and without a domain, with and without --type), both list the same events.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../bench/synthetic.js';
import { jsonLines, runCli } from '../test-support/run-cli.js';
import { scratchDir } from '../../ingest/test-support/scratch.js';

const dir = scratchDir('ij-events-');
const J = join(dir, 'strict.journal');

beforeAll(async () => {
  expect((await runCli(['import', 'fixtures/traces/x86-q35-vtd-strict-612', '-o', J, '--no-checks'])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function eventsSeqs(range: string, domain: number | null, types: string | null): Promise<number[]> {
  const args = ['events', J, '--range', range, '--json', ...(domain === null ? [] : ['--domain', String(domain)]), ...(types ? ['--type', types] : [])];
  const r = await runCli(args);
  expect(r.code, r.err).toBe(0);
  return jsonLines(r.out).map((e) => e.seq as number);
}

async function historySeqs(range: string, domain: number | null, types: string | null): Promise<number[]> {
  const r = await runCli(['history', J, '--iova', range, '--json', '--limit', '1000000', ...(domain === null ? [] : ['--domain', String(domain)])]);
  if (r.code === 2 && /no event ever touched it/.test(r.err)) return [];
  expect(r.code, r.err).toBe(0);
  const keep = types ? new Set(types.split(',')) : null;
  const entries = (JSON.parse(r.out) as { entries: { seq: number; type: string }[] }).entries;
  return entries.filter((h) => keep === null || keep.has(h.type)).map((h) => h.seq);
}

describe('events --range and history --iova', () => {
  it('the allocator events of a range in a domain: the issue’s own question', async () => {
    const range = '0xfff00000-0x100000000';
    const ev = await eventsSeqs(range, 3, 'IovaAllocated,IovaCached');
    expect(ev.length).toBeGreaterThan(0);
    expect(ev).toEqual(await historySeqs(range, 3, 'IovaAllocated,IovaCached'));
  });

  it('the dma_iova calls of linux-7.3 are about their IOVA range too', async () => {
    const bi = join(dir, 'blk-iova.journal');
    expect((await runCli(['simulate', '-p', 'linux-7.3', '-w', 'blk-iova', '-o', bi])).code).toBe(0);
    const range = '0xfffe0000+0x4000';
    const ev = await runCli(['events', bi, '--range', range, '--domain', '1', '--json', '--type', 'DmaIovaAllocated,DmaIovaLinked,DmaIovaUnlinked,DmaIovaFreed']);
    const got = jsonLines(ev.out).map((e) => e.type);
    expect(new Set(got)).toEqual(new Set(['DmaIovaAllocated', 'DmaIovaLinked', 'DmaIovaUnlinked', 'DmaIovaFreed']));
    const h = await runCli(['history', bi, '--iova', range, '--domain', '1', '--json', '--limit', '1000000']);
    const hist = (JSON.parse(h.out) as { entries: { seq: number; type: string }[] }).entries.filter((x) => x.type.startsWith('DmaIova')).map((x) => x.seq);
    expect(jsonLines(ev.out).map((e) => e.seq)).toEqual(hist);
  });

  it('list the same events for seeded ranges, domains and types', async () => {
    const r = rng(6);
    for (let k = 0; k < 6; k++) {
      const lo = 0xfff00000 + Math.floor(r() * 0xf0) * 0x1000;
      const range = `0x${lo.toString(16)}+0x${(Math.floor(r() * 8 + 1) * 0x1000).toString(16)}`;
      const domain = k % 3 === 0 ? null : 2 + Math.floor(r() * 3);
      const types = k % 2 ? 'Mapped,Unmapped,IovaFreed' : null;
      expect(await eventsSeqs(range, domain, types), `${range} domain ${domain} ${types}`).toEqual(await historySeqs(range, domain, types));
    }
  });
});
