// Checks that a trace argument names something importable before any work starts.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from '../domain-events/index.js';
import { CAPTURE_TRACES, captureTrace, isTraceInput } from '../ingest/detect.js';

export function checkTraceInput(path: string): void {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`);
  if (statSync(path).isDirectory() && captureTrace(path) === null)
    throw new InputError(`${path}: a capture folder needs one of ${CAPTURE_TRACES.join(', ')}`);
  if (!statSync(path).isDirectory()) {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    if (!isTraceInput(path, head.subarray(0, n)))
      throw new InputError(`${path}: does not look like a kernel trace (no trace.dat magic, '# tracer:' header, trace-cmd header or ftrace event line in its first 4 KiB)`);
  }
}
