// Test helper: temporary folders that do not outlive the test file that made them. Every test
// that writes a trace, a journal or a cut capture to disk takes its folder from here; the folders
// are removed when the file's tests are done (vitest isolates each test file: this module, and
// its afterAll, are the file's own).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder under the system's temporary folder, removed after the file's tests. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
