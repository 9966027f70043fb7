// Which inputs are kernel traces: a capture folder, a gzip file, or text that looks like the
// tracefs `trace` file or `trace-cmd report` output.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FTRACE_LINE = /^\s*\S.*?-\d+\s+(\(\s*[-\d]+\)\s+)?\[\d+\]\s+(\S{4,5}\s+)?\d+\.\d+:\s+\S+:/m;

export function isTraceInput(path: string, head: Buffer): boolean {
  if (statSync(path).isDirectory()) return existsSync(join(path, 'trace.txt')) || existsSync(join(path, 'trace.txt.gz'));
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  const text = head.toString('utf8');
  return /^# tracer:/m.test(text) || /^cpus=\d+/m.test(text) || /^version = \d+/m.test(text) || FTRACE_LINE.test(text);
}
