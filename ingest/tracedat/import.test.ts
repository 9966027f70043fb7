// The journal from a trace.dat equals the journal from the tracefs text of the same ring buffer:
// every event and field, the provenance (line numbers, file) aside, timestamps at the text's µs.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { importTrace } from '../importer.js';
import { probeTrace } from '../probe.js';
import { scratchDir } from '../test-support/scratch.js';

const CAPTURE = 'fixtures/traces/x86-q35-vtd-tcg-612-dat';

/** a capture folder holding one of the two traces, with the same formats/ and guest/ */
function folderWith(trace: string): string {
  const dir = scratchDir('ij-dat-');
  for (const f of ['formats', 'guest', trace]) cpSync(join(CAPTURE, f), join(dir, f), { recursive: true });
  return dir;
}

function comparable(e: IommuEvent): Record<string, unknown> {
  const { line: _line, src: _src, ts, ...rest } = e as IommuEvent & { line: number | null; src: string | null; ts: number | null };
  return { ...rest, ts: ts === null ? null : Math.round(ts / 1000) * 1000 };
}

describe('import of a trace.dat', () => {
  it('writes the journal the tracefs text gives, event for event, and keeps the ns', async () => {
    const fromDat = await importTrace(folderWith('trace.dat'), { output: null });
    const fromText = await importTrace(folderWith('trace.txt.gz'), { output: null });
    expect(fromDat.summary.parseErrors).toBe(0);
    expect(fromDat.summary.header).toMatchObject({ source: 'trace.dat', kernel: '6.12.117+deb12-amd64', cpus: 2, traceClock: 'global' });
    const a = fromDat.events!;
    const b = fromText.events!;
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) if (JSON.stringify(comparable(a[i]), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(comparable(b[i]), (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) expect(comparable(a[i])).toEqual(comparable(b[i]));
    expect(a.some((e) => e.ts !== null && e.ts % 1000 !== 0)).toBe(true);
    expect(fromDat.summary.attribution).toEqual(fromText.summary.attribution);
  });
  it('a capture folder with several traces is read from its trace.dat; probeTrace says so before any event', async () => {
    const p = await probeTrace(CAPTURE);
    expect(p.file).toBe(join(CAPTURE, 'trace.dat'));
    expect(p.header).toMatchObject({ source: 'trace.dat', fileVersion: 7, kernel: '6.12.117+deb12-amd64', machine: 'x86_64', cpus: 2, traceClock: 'global' });
  });
  it('is known by its magic bytes, whatever its name, gzip or not', async () => {
    const dir = scratchDir('ij-dat-');
    cpSync('fixtures/tracedat/x86-q35-vtd-tcg-612-dat.v6.dat.gz', join(dir, 'capture.bin'));
    const p = await probeTrace(join(dir, 'capture.bin'));
    expect(p.header).toMatchObject({ source: 'trace.dat', fileVersion: 6 });
  });
});
