// Every command that writes a file does it the same way: `-o FILE`, `-f, --force` to replace an
// existing one, the path checked before any work (exit 2 naming the path and the reason), the
// text written to a file beside it and renamed over it at the end, so a failure leaves no half
// file and never touches the old one.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { type Command } from 'commander';
import { InputError } from '../domain-events/index.js';
import { checkOutputPath, fsReason } from '../replay/output-path.js';

/** The one spelling of the overwrite option. */
export function forceOption(cmd: Command, what = 'output file'): Command {
  return cmd.option('-f, --force', `replace an existing ${what} (the new one is written beside it and renamed over it when complete)`);
}

export { checkOutputPath };

export class OutputFile {
  private fd: number;
  private readonly tmp: string;
  private bytes = 0;
  private done = false;

  private constructor(readonly path: string) {
    this.tmp = `${path}.partial-${process.pid}`;
    try {
      this.fd = openSync(this.tmp, 'wx');
    } catch (err) {
      throw new InputError(`${path}: cannot create it: ${fsReason(err)}`);
    }
  }

  /** Checks the path (exists without `force`, a directory, a missing folder) and opens the file beside it. */
  static create(path: string, force: boolean): OutputFile {
    checkOutputPath(path, force);
    return new OutputFile(path);
  }

  write(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off, buf.length - off);
      this.bytes += buf.length;
    } catch (err) {
      throw new InputError(`${this.path}: write failed after ${this.bytes} bytes: ${fsReason(err)}`);
    }
  }

  /** The whole output is written: it replaces `path`. */
  commit(): void {
    if (this.done) return;
    this.done = true;
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      renameSync(this.tmp, this.path);
    } catch (err) {
      rmSync(this.tmp, { force: true });
      throw new InputError(`${this.path}: cannot finish writing it: ${fsReason(err)}`);
    }
  }

  /** Something failed: the partial file goes, an older file at `path` stays as it was. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}
