// import, trace verify and export as scripts use them: exact --json fields, stdout clean, bad
// input a one-line error with exit code 2.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../test-support/run-cli.js';
import { scratchDir } from '../../ingest/test-support/scratch.js';

const VFIO = 'fixtures/traces/arm64-virt-smmuv3-vfio-612';
const tmp = () => scratchDir('ij-cli-');

describe('trace verify', () => {
  it('prints one JSON object with the documented fields', async () => {
    const r = await runCli(['trace', 'verify', VFIO, '--json']);
    expect(r.code).toBe(0);
    const [j] = jsonLines(r.out);
    // every field scripts already read keeps its name, the new ones come beside them
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['trace', 'kernel', 'profile', 'events', 'parseErrors', 'unknownEvents', 'maps', 'mapsAttributed', 'iovaExact', 'conflicts', 'firstMispredictions', 'mapsCallerChosen', 'assumed', 'unknown', 'facts']));
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['mapLines', 'mapsByAllocatorOnly', 'ambiguous', 'attributedBy', 'mispredictedBecause']));
    // a capture folder states every fact: nothing is assumed
    expect(j).toMatchObject({ kernel: '6.12.117', profile: 'linux-6.12+strict', parseErrors: 0, conflicts: 0, maps: 44, iovaExact: 44, mapsCallerChosen: 4, mapLines: 91, mapsAttributed: 91, mapsByAllocatorOnly: 0, assumed: [], unknown: [] });
    expect(j.blindMaps).toBeUndefined();
  });
  it('--blind hides the dma:* events from attribution and scores the placements against them', async () => {
    const r = await runCli(['trace', 'verify', VFIO, '--json', '--blind']);
    const [j] = jsonLines(r.out);
    expect(j.mapLines).toBe(91);
    // every map line a dma:* event names a device for is scored: all but the 4 doorbells, the 3
    // VFIO user maps and the MSI-cookie doorbell, which no DMA-API call made
    expect(j.blindMaps).toBe(91 - 4 - 3 - 1);
    expect(j.blindCorrect).toBeLessThanOrEqual(j.blindMaps as number);
    expect((j.blindConfident as number) + (j.blindAmbiguous as number)).toBe((j.blindMaps as number) + (j.blindUnmaps as number));
    expect(j.blindConfidentCorrect).toBeLessThanOrEqual(j.blindConfident as number);
  });
  it('refuses a file that is not a trace', async () => {
    const r = await runCli(['trace', 'verify', 'package.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/package\.json: does not look like a kernel trace/);
    expect(r.err).not.toMatch(/at .*\.js/);
  });
  it('names a missing input', async () => {
    const r = await runCli(['trace', 'verify', 'no/such/capture']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no\/such\/capture: no such file or directory/);
  });
});

describe('import', () => {
  it('says how many lines became events and how many were dropped; exits 1 when over 1 % of map/unmap lines could not be placed', async () => {
    const dir = tmp();
    const ok = await runCli(['import', VFIO, '-o', join(dir, 'a.journal')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/trace events read; 0 lines dropped/);
    expect(ok.out).toMatch(/map lines 91: 91 placed; unmap lines 31: 31 placed/);
    // unmaps of a trace that names no domain and no device at all: nothing can take them
    const bare = join(dir, 'unmaps.txt');
    writeFileSync(bare, ['# tracer: nop', ...Array.from({ length: 5 }, (_, i) => `  kworker/0:1-12 [000] ..... 1.00000${i}: unmap: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 size=4096 unmapped_size=4096`)].join('\n') + '\n');
    const bad = await runCli(['import', bare, '-o', join(dir, 'b.journal'), '--json']);
    expect(bad.code).toBe(1);
    const [j] = jsonLines(bad.out);
    expect(j.attribution).toMatchObject({ unmapLines: 5, unmapsAttributed: 0, unattributed: 5 });
  });

  it('writes a journal that replays to the same state as the trace', async () => {
    const out = join(tmp(), 'vfio.journal');
    const r = await runCli(['import', VFIO, '-o', out, '--json']);
    expect(r.code).toBe(0);
    const [j] = jsonLines(r.out);
    expect(j).toMatchObject({ journal: out, parseErrors: 0 });
    // 232 trace events (and the domains and cookies they imply), plus the allocator events of the strict domains
    expect(j.events).toBeGreaterThan(232);
    const a = jsonLines((await runCli(['replay', out, '--json'])).out)[0];
    const b = jsonLines((await runCli(['replay', VFIO, '--json'])).out)[0];
    expect(a.hash).toBe(b.hash);
    const again = await runCli(['import', VFIO, '-o', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists/);
  });
});

describe('export', () => {
  it('jsonl round-trips through journal from-jsonl to the same state', async () => {
    const dir = tmp();
    const r = await runCli(['export', VFIO, '--format', 'jsonl', '-o', join(dir, 'e.jsonl')]);
    expect(r.code).toBe(0);
    const events = jsonLines((await runCli(['replay', VFIO, '--json'])).out)[0].events;
    expect(readFileSync(join(dir, 'e.jsonl'), 'utf8').trim().split('\n')).toHaveLength(events as number);
    expect((await runCli(['journal', 'from-jsonl', join(dir, 'e.jsonl'), '-o', join(dir, 'e.journal')])).code).toBe(0);
    const a = jsonLines((await runCli(['replay', join(dir, 'e.journal'), '--json'])).out)[0];
    const b = jsonLines((await runCli(['replay', VFIO, '--json'])).out)[0];
    expect(a.hash).toBe(b.hash);
  });
  it('chrome: every async map slice is closed, counters never go negative', async () => {
    const dir = tmp();
    await runCli(['export', VFIO, '--format', 'chrome', '-o', join(dir, 't.json')]);
    const t = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')) as { traceEvents: { ph: string; id?: string; args?: { bytes?: number } }[] };
    const begins = t.traceEvents.filter((e) => e.ph === 'b').map((e) => e.id);
    const ends = t.traceEvents.filter((e) => e.ph === 'e').map((e) => e.id);
    expect(new Set(ends)).toEqual(new Set(begins));
    expect(ends).toHaveLength(begins.length);
    for (const c of t.traceEvents.filter((e) => e.ph === 'C')) expect(c.args!.bytes).toBeGreaterThanOrEqual(0);
  });
  it('csv has one row per event and quotes the payload', async () => {
    const r = await runCli(['export', VFIO, '--format', 'csv']);
    const events = jsonLines((await runCli(['replay', VFIO, '--json'])).out)[0].events as number;
    const rows = r.out.trim().split('\n');
    expect(rows[0]).toBe('seq,ts,cpu,type,src,line,how,conf,domain,device,iova,paddr,size,task,pid,fields');
    expect(rows).toHaveLength(events + 1);
  });
  it('--redact leaves no physical address of the trace in the export, and keeps the IOVAs', async () => {
    const plain = (await runCli(['export', VFIO, '--format', 'jsonl'])).out;
    const red = (await runCli(['export', VFIO, '--format', 'jsonl', '--redact'])).out;
    const phys = [...plain.matchAll(/"paddr":"(0x[0-9a-f]+)"/g)].map((m) => m[1]);
    expect(phys.length).toBeGreaterThan(10);
    for (const p of new Set(phys)) expect(red).not.toContain(`"${p}"`);
    const iovas = (t: string) => [...t.matchAll(/"iova":"(0x[0-9a-f]+)"/g)].map((m) => m[1]);
    expect(iovas(red)).toEqual(iovas(plain));
  });
  it('rejects an unknown format before reading anything', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x'), 'x');
    const r = await runCli(['export', VFIO, '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--format xml: unknown format/);
  });
});
