// ui INPUT [INPUT2] [--port N] [--no-open] [--redact]: the local time-travel page. Inputs are
// opened (traces imported, with progress) and checked before the server starts; the server
// listens on 127.0.0.1 only and stops cleanly on Ctrl-C.
import { spawn } from 'node:child_process';
import { type Command } from 'commander';
import { InputError } from '../../domain-events/index.js';
import { runChecks } from '../../checks/index.js';
import { openUiInput } from '../../web/open.js';
import { createUiServer, type DiffRunsFn, type RunChecksFn } from '../../web/server.js';
import { type EventStore } from '../../web/store.js';
import { act } from '../act.js';
import { missingNeeds, skippedFor, skippedLines } from '../check-needs.js';
import { importFacts } from '../inputs.js';
import { assumeFrom, type TraceFlagOptions, warnFacts, withTraceFlags } from '../trace-flags.js';
import { type AssumeFlags } from '../../ingest/facts/index.js';
import { diffWithFindings } from '../diff-findings.js';
import { println, warn } from '../output.js';
import { parseIntArg } from '../parse.js';
import { progressBar } from '../progress.js';

// The findings list runs checks/ over the whole run; the diff view uses replay/diff.ts.
export const RUN_CHECKS: RunChecksFn = (blocks, store) => runChecks(blocks, { missing: missingNeeds(importFacts(store.meta ?? {})) });

/** What each run's import assumed, and the checks that cannot run on it, for the status bar. */
export function factNotes(stores: readonly EventStore[]): string[] {
  return stores.flatMap((s) => {
    const f = importFacts(s.meta ?? {});
    return [...(f.assumed ?? []).map((a) => `${s.input}: assumed at import: ${a}`), ...skippedLines(skippedFor({ missing: missingNeeds(f) })).map((l) => `${s.input}: ${l}`)];
  });
}
const DIFF_RUNS: DiffRunsFn = diffWithFindings;

/** Best effort: the desktop's browser. A headless machine just prints the address. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => warn(`could not start a browser (${cmd}); open ${url} yourself`));
    child.unref();
  } catch {
    warn(`could not start a browser; open ${url} yourself`);
  }
}

async function openAll(inputs: string[], redact: boolean, assume: AssumeFlags): Promise<EventStore[]> {
  const stores: EventStore[] = [];
  try {
    for (const input of inputs) {
      const bar = progressBar(`importing ${input}`, false);
      try {
        stores.push(await openUiInput(input, { redact, onProgress: (d, t, n) => bar.update(d, t, n), assume, onFacts: warnFacts }));
      } finally {
        bar.stop();
      }
    }
  } catch (err) {
    for (const s of stores) s.close();
    throw err;
  }
  return stores;
}

export function registerUi(program: Command): void {
  withTraceFlags(
    program
      .command('ui')
      .description('local time-travel web page for a journal or trace (two inputs: the diff view)')
      .argument('<input>', 'journal, JSONL events, or kernel trace')
      .argument('[input2]', 'a second run to diff against the first'),
  )
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', '0')
    .option('--no-open', 'do not start a browser')
    .option('--redact', 'replace physical addresses with stable pseudonyms')
    .action(
      act(async (input: string, input2: string | undefined, opts: { port: string; open: boolean; redact?: boolean } & TraceFlagOptions) => {
        const port = parseIntArg(opts.port, '--port');
        if (port > 65535) throw new InputError(`--port: ${port} is out of range (0-65535)`);
        const stores = await openAll(input2 === undefined ? [input] : [input, input2], !!opts.redact, assumeFrom(opts));
        for (const s of stores) for (const p of s.problems) warn(p);
        let ui;
        try {
          ui = await createUiServer({ stores, port, redacted: !!opts.redact, runChecks: RUN_CHECKS, diffRuns: DIFF_RUNS, notes: factNotes(stores) });
        } catch (err) {
          for (const s of stores) s.close();
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE' || code === 'EACCES') throw new InputError(`--port ${port}: cannot listen on 127.0.0.1:${port} (${code})`);
          throw err;
        }
        // Ctrl-C stops cleanly from the moment the address is printed
        const stopped = new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        println(`listening on ${ui.url}`);
        if (opts.open) openBrowser(ui.url);
        await stopped;
        await ui.close();
        for (const s of stores) s.close();
        // the page showed everything that could be read; what could not was said at the start
        return stores.some((s) => s.problems.length) ? 1 : 0;
      }),
    );
}
