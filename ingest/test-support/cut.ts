// A capture cut to start mid-run, as a user's `trace-cmd record` on a running system gives it:
// the header kept, the lines before `fraction` of the trace dropped, the guest files beside it
// (or not: a bare trace file).
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';

export function cutCapture(folder: string, fraction: number, withGuest = true): string {
  const lines = readFileSync(join(folder, 'trace.txt'), 'utf8').split('\n');
  const header = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => !l.startsWith('#'));
  const out = scratchDir('ij-cut-');
  writeFileSync(join(out, 'trace.txt'), [...header, ...body.slice(Math.floor(body.length * fraction))].join('\n'));
  if (withGuest) for (const d of ['guest', 'formats']) if (existsSync(join(folder, d))) cpSync(join(folder, d), join(out, d), { recursive: true });
  return withGuest ? out : join(out, 'trace.txt');
}
