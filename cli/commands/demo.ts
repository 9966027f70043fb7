// demo (npm start): replay the bundled sample and print what it shows.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command } from 'commander';
import { summarize } from '../../projections/index.js';
import { replayBlocks } from '../../replay/index.js';
import { act } from '../act.js';
import { openSource } from '../inputs.js';
import { printJson } from '../output.js';
import { printSummary } from '../print-summary.js';

/** The repository root, from dist/cli/commands or cli/commands. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('replay the bundled sample journal and summarise it (what `npm start` runs)')
    .option('--json', 'one JSON object')
    .action(
      act(async (opts: { json?: boolean }) => {
        const path = join(repoRoot(), 'fixtures', 'journals', 'demo.journal');
        const src = await openSource(path, { quiet: !!opts.json });
        const state = (() => {
          try {
            return replayBlocks(src.blocks());
          } finally {
            src.close();
          }
        })();
        const s = summarize(state);
        if (opts.json) printJson({ input: path, ...s });
        else printSummary(s, `bundled sample ${path}`);
        return 0;
      }),
    );
}
