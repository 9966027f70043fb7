// Where an import's records come from: a trace.dat (known by its magic bytes, gzip or not) is
// decoded natively; anything else is read as text lines (tracefs or trace-cmd report), with the
// capture folder's formats/ for lines printed as raw fields.
import { isTraceDat } from './detect.js';
import { type Diagnostics } from './diagnostics.js';
import { FormatSet } from './ftrace/format-set.js';
import { type TraceHeader } from './ftrace/header.js';
import { parseTrace } from './ftrace/parse.js';
import { readLines } from './lines.js';
import { type Located } from './records.js';
import { readTraceDat } from './tracedat/reader.js';

export type Progress = (bytes: number, total: number) => void;

async function* linesWithProgress(file: string, total: number, onProgress?: Progress) {
  for await (const b of readLines(file)) {
    onProgress?.(b.bytes, total);
    yield b;
  }
}

/** The located records of a trace file, batch by batch; `header` is filled as the file says. */
export function recordSource(file: string, folder: string | null, total: number, diag: Diagnostics, header: TraceHeader, onProgress?: Progress): AsyncGenerator<Located[]> {
  if (isTraceDat(file)) return readTraceDat(file, diag, header, { onProgress });
  return parseTrace(linesWithProgress(file, total, onProgress), file, diag, header, FormatSet.fromFolder(folder));
}
