// oracle verify FILE...: replay golden vectors from the real kernel through the model.
import { type Command } from 'commander';
import { getProfile } from '../../kernel/profiles/index.js';
import { verifyOracleFile } from '../../kernel/oracle/index.js';
import { act } from '../act.js';
import { printJson, println } from '../output.js';

export function registerOracle(program: Command): void {
  const oracle = program.command('oracle').description('check the model against golden vectors produced by the real kernel code');
  oracle
    .command('verify')
    .description('replay oracle files (iova, io-pgtable-arm, ioasid/pasid) and compare every output field')
    .argument('<files...>', 'oracle .jsonl files')
    .option('--profile <name>', 'check with this profile instead of the one matching the file header')
    .option('--json', 'one JSON object per file')
    .action(
      act((files: string[], opts: { profile?: string; json?: boolean }) => {
        const profile = opts.profile ? getProfile(opts.profile) : undefined;
        let failed = 0;
        for (const f of files) {
          const r = verifyOracleFile(f, { profile });
          if (r.matched !== r.ops || r.errors.length) failed++;
          if (opts.json) {
            printJson({ file: r.file, kernel: r.kernel, profile: r.profile, ...(r.assumed ? { assumed: r.assumed } : {}), ops: r.ops, matched: r.matched, mismatches: r.mismatches, ...(r.errors.length ? { errors: r.errors } : {}) });
            continue;
          }
          println(`${f}: matched ${r.matched}/${r.ops} ops (${r.kernel}, profile ${r.profile})`);
          if (r.assumed) println(`  assumed: ${r.assumed}`);
          for (const e of r.errors) println(`  ${e}`);
          for (const m of r.mismatches)
            println(`  ${f}:${m.line}: ${m.op}: ${m.field}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`);
          if (r.mismatchCount > r.mismatches.length) println(`  … ${r.mismatchCount - r.mismatches.length} more mismatches`);
        }
        return failed ? 1 : 0;
      }),
    );
}
