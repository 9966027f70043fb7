// The bundled captures' trace files for tests that read each one (the trace, and the
// trace-cmd report text where the capture has one), and a way to give one bare.
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type CaptureInfo, readCapture } from '../capture.js';

export const CAPTURES_ROOT = 'fixtures/traces';

/** [capture name, trace file] for every bundled capture's trace and report text */
export function bundledTraces(): [string, string][] {
  return readdirSync(CAPTURES_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d): [string, string][] => {
      const report = join(CAPTURES_ROOT, d.name, 'report.txt.gz');
      return [[d.name, readCapture(join(CAPTURES_ROOT, d.name)).trace], ...(existsSync(report) ? [[d.name, report] as [string, string]] : [])];
    });
}

export function traceText(file: string): string {
  return (file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file)).toString('utf8');
}

/** The trace alone in a folder of its own, read as the importer reads a bare file. */
export function bareCapture(trace: string): CaptureInfo {
  const p = join(mkdtempSync(join(tmpdir(), 'ij-bare-')), basename(trace));
  symlinkSync(resolve(trace), p);
  return readCapture(p);
}
