// Test helper: parse trace text held in memory, the way the importer streams a file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Diagnostics, formatProblem } from '../diagnostics.js';
import { newHeader, parseTrace } from '../ftrace/parse.js';
import { readLines } from '../lines.js';
import { type Located } from '../records.js';
import { scratchDir } from './scratch.js';

export function writeTemp(name: string, content: string | Buffer): string {
  const dir = scratchDir('ij-test-');
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

export async function parseText(text: string | Buffer, name = 'trace.txt'): Promise<{ records: Located[]; problems: string[]; diag: Diagnostics }> {
  const file = writeTemp(name, text);
  const diag = new Diagnostics();
  const records: Located[] = [];
  for await (const b of parseTrace(readLines(file), file, diag, newHeader())) records.push(...b);
  return { records, problems: diag.problems.map(formatProblem), diag };
}

export const HEADER = '# tracer: nop\n#\n# entries-in-buffer/entries-written: 10/10   #P:1\n#\n';

export function line(task: string, cpu: number, ts: string, event: string, body: string, flags = '.....'): string {
  return `${task.padStart(16)} [${String(cpu).padStart(3, '0')}] ${flags} ${ts.padStart(12)}: ${event}: ${body}`;
}
