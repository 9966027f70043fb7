// The bundled captures' trace files for tests that read each one (the trace, and the
// trace-cmd report text where the capture has one), and a way to give one bare.
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type CaptureInfo, readCapture } from '../capture.js';
import { Diagnostics } from '../diagnostics.js';
import { newHeader } from '../ftrace/parse.js';
import { recordSource } from '../record-source.js';
import { type Located } from '../records.js';
import { scratchDir } from './scratch.js';

export const CAPTURES_ROOT = 'fixtures/traces';

/** [capture name, trace file] for every trace file of every bundled capture (trace.txt, report.txt, trace.dat) */
export function bundledTraces(): [string, string][] {
  return readdirSync(CAPTURES_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d): [string, string][] => {
      const dir = join(CAPTURES_ROOT, d.name);
      const files = new Set([readCapture(dir).trace, ...['trace.txt', 'trace.txt.gz', 'report.txt.gz', 'trace.dat'].map((f) => join(dir, f)).filter((f) => existsSync(f))]);
      return [...files].map((f): [string, string] => [d.name, f]);
    });
}

export function traceText(file: string): string {
  return (file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file)).toString('utf8');
}

/** The first `limit` records of any trace file (a trace.dat through its reader). */
export async function traceRecords(file: string, limit = 200_000): Promise<Located[]> {
  const out: Located[] = [];
  for await (const b of recordSource(file, null, 0, new Diagnostics(0), newHeader())) {
    out.push(...b);
    if (out.length >= limit) return out.slice(0, limit);
  }
  return out;
}

/** What a trace has, for the truth a test compares with: dma:* events, kernel-chosen maps, group lines. */
export async function traceShows(file: string): Promise<{ dma: boolean; maps: boolean; groupLines: boolean }> {
  if (!file.endsWith('.dat')) {
    const t = traceText(file);
    return { dma: /: +dma_map_page: /.test(t), maps: /: map: +IOMMU: iova=0x0*[1-9a-f]/.test(t), groupLines: /: add_device_to_group: /.test(t) };
  }
  const rs = await traceRecords(file, 50_000);
  return { dma: rs.some((r) => r.kind === 'dma' && r.call === 'map_page'), maps: rs.some((r) => r.kind === 'map' && r.iova !== 0n), groupLines: rs.some((r) => r.kind === 'group-add') };
}

/** The trace alone in a folder of its own, read as the importer reads a bare file. */
export function bareCapture(trace: string): CaptureInfo {
  const p = join(scratchDir('ij-bare-'), basename(trace));
  symlinkSync(resolve(trace), p);
  return readCapture(p);
}
