// export INPUT --format jsonl|csv|chrome [-o FILE]: the events for other tools.
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { type Command } from 'commander';
import { type IommuEvent, InputError } from '../../domain-events/index.js';
import { exportChrome } from '../../ingest/export/chrome.js';
import { exportCsv } from '../../ingest/export/csv.js';
import { exportJsonl } from '../../ingest/export/jsonl.js';
import { type TextSink } from '../../ingest/export/sink.js';
import { Redactor } from '../../ingest/redact.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { openSource } from '../inputs.js';
import { warn } from '../output.js';
import { warnProblems } from '../problems.js';

const FORMATS: Record<string, (blocks: Iterable<readonly IommuEvent[]>, out: TextSink) => number> = {
  jsonl: exportJsonl,
  csv: exportCsv,
  chrome: exportChrome,
};

/** Writes to a temporary file renamed into place at the end: a failed export leaves no half file. */
function fileSink(path: string): { sink: TextSink; commit(): void; abort(): void } {
  const tmp = `${path}.partial-${process.pid}`;
  const fd = openSync(tmp, 'w');
  return {
    sink: { write: (s) => void writeSync(fd, s) },
    commit() {
      closeSync(fd);
      renameSync(tmp, path);
    },
    abort() {
      closeSync(fd);
      rmSync(tmp, { force: true });
    },
  };
}

function* redacted(blocks: Iterable<readonly IommuEvent[]>): Generator<readonly IommuEvent[]> {
  const r = new Redactor();
  for (const b of blocks) yield b.map((e) => r.event(e));
}

export function registerExport(program: Command): void {
  withTraceFlags(
    program
      .command('export')
      .description('export the events as JSON Lines, CSV, or Chrome trace JSON (open it in ui.perfetto.dev)')
      .argument('<input>', 'journal, JSONL events, or kernel trace'),
  )
    .requiredOption('--format <format>', 'jsonl | csv | chrome')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--force', 'replace an existing output file')
    .option('--redact', 'replace physical addresses with stable pseudonyms (2 MiB regions in order of first use, offsets kept)')
    .action(
      act(async (input: string, opts: { format: string; output?: string; force?: boolean; redact?: boolean } & TraceFlagOptions) => {
        const fn = FORMATS[opts.format];
        if (!fn) throw new InputError(`--format ${opts.format}: unknown format (one of ${Object.keys(FORMATS).join(', ')})`);
        if (opts.output && existsSync(opts.output) && !opts.force) throw new InputError(`${opts.output}: exists (use --force to replace it)`);
        const src = await openSource(input, { quiet: !opts.output, assume: assumeFrom(opts) });
        const file = opts.output ? fileSink(opts.output) : null;
        const sink: TextSink = file?.sink ?? { write: (s) => void process.stdout.write(s) };
        let n = 0;
        try {
          n = fn(opts.redact ? redacted(src.blocks()) : src.blocks(), sink);
          file?.commit();
        } catch (err) {
          file?.abort();
          throw err;
        } finally {
          src.close();
        }
        warnProblems(src.problems);
        if (opts.output) warn(`${opts.output}: ${n} events as ${opts.format}`);
        return 0;
      }),
    );
}
