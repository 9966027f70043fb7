// Where a command may write: checked before any work, so a bad -o is one line naming the path
// and the reason (exit 2), never a stack trace after minutes of import.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../domain-events/index.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a parent is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** A file-system error as a few words a user can act on (the errno code kept in brackets). */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === undefined) return (err as Error)?.message ?? String(err);
  return REASONS[code] ? `${REASONS[code]} (${code})` : code;
}

/**
 * Refuses an output path that cannot be written: an existing file without `force`, a directory,
 * a folder that does not exist or cannot be written.
 */
export function checkOutputPath(path: string, force: boolean): void {
  let exists = false;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new InputError(`${path}: is a directory; give a file name to write`);
    exists = true;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new InputError(`${path}: cannot write there: ${fsReason(err)}`);
  }
  if (exists && !force) throw new InputError(`${path}: already exists (choose another name, or --force to replace it)`);
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new InputError(`${path}: cannot write there: ${dir}: ${fsReason(err)}`);
  }
}
