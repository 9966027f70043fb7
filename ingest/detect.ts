// Which inputs are kernel traces: a capture folder, a trace.dat (by its magic bytes, whatever its
// name), a gzip file, or text that looks like the tracefs `trace` file or `trace-cmd report`
// output. And which file of a capture folder is read.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const FTRACE_LINE = /^\s*\S.*?-\d+\s+(\(\s*[-\d]+\)\s+)?\[\d+\]\s+(\S{4,5}\s+)?\d+\.\d+:\s+\S+:/m;

/** `\x17\x08\x44tracing`: trace-cmd's trace.dat (trace-cmd.dat.v6(5), v7(5)) */
export const TRACE_DAT_MAGIC = Buffer.from([0x17, 0x08, 0x44, ...Buffer.from('tracing')]);

/**
 * The trace files a capture folder may hold, the most complete first: trace.dat keeps every
 * field and full ns timestamps; tracefs text has the irq-flags column that report text lacks.
 */
export const CAPTURE_TRACES = ['trace.dat', 'trace.dat.gz', 'trace.txt', 'trace.txt.gz', 'report.txt', 'report.txt.gz'] as const;

/** the trace a capture folder is read from, or null when it holds none */
export function captureTrace(folder: string): string | null {
  for (const name of CAPTURE_TRACES) {
    const p = join(folder, name);
    if (existsSync(p)) return p;
  }
  return null;
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** the first bytes of the file's content (inflated when it is gzip) */
export function contentHead(path: string, n = 4096): Buffer {
  const head = readHead(path, 64 * 1024);
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return head.subarray(0, n);
  try {
    return gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: a truncated stream gives what it has */ }).subarray(0, n);
  } catch {
    return Buffer.alloc(0);
  }
}

export function isTraceDat(path: string): boolean {
  return contentHead(path, TRACE_DAT_MAGIC.length).equals(TRACE_DAT_MAGIC);
}

export function isTraceInput(path: string, head: Buffer): boolean {
  if (statSync(path).isDirectory()) return captureTrace(path) !== null;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.subarray(0, TRACE_DAT_MAGIC.length).equals(TRACE_DAT_MAGIC)) return true;
  const text = head.toString('utf8');
  return /^# tracer:/m.test(text) || /^cpus=\d+/m.test(text) || /^version = \d+/m.test(text) || FTRACE_LINE.test(text);
}
