// iommu-journal command line. Each command lives in commands/<name>.ts and registers itself
// here; errors a user can cause print one line naming where and what, and exit non-zero.
import { Command, CommanderError } from 'commander';
import { isInputError } from '../domain-events/index.js';
import { takeExitCode } from './act.js';
import { registerBisect } from './commands/bisect.js';
import { registerCheck } from './commands/check.js';
import { registerDemo } from './commands/demo.js';
import { registerDiff } from './commands/diff.js';
import { registerEvents } from './commands/events.js';
import { registerExport } from './commands/export.js';
import { registerHistory } from './commands/history.js';
import { registerImport } from './commands/import.js';
import { registerJournal } from './commands/journal.js';
import { registerOracle } from './commands/oracle.js';
import { registerReplay } from './commands/replay.js';
import { registerSimulate } from './commands/simulate.js';
import { registerState } from './commands/state.js';
import { registerStep } from './commands/step.js';
import { registerTrace } from './commands/trace.js';
import { registerUi } from './commands/ui.js';
import './trace-source.js';
import { warn } from './output.js';

const COMMANDS: ((p: Command) => void)[] = [
  registerImport,
  registerTrace,
  registerReplay,
  registerState,
  registerEvents,
  registerHistory,
  registerStep,
  registerCheck,
  registerBisect,
  registerSimulate,
  registerDiff,
  registerJournal,
  registerExport,
  registerOracle,
  registerUi,
  registerDemo,
];

export function buildProgram(): Command {
  const program = new Command('iommu-journal')
    .description('event-sourced model of the Linux IOMMU layer: replay kernel traces, time-travel through mapping bugs, diff patch series')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of COMMANDS) register(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

let pipeGuard = false;

/** `iommu-journal … | head` closes stdout early: that is not an error. */
function guardPipe(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

export async function run(argv: string[]): Promise<number> {
  guardPipe();
  const program = buildProgram();
  takeExitCode();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return takeExitCode();
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isInputError(err)) {
      warn((err as Error).message);
      return 2;
    }
    if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') return 0;
    warn(`internal error (a bug in iommu-journal, please report it): ${(err as Error)?.stack ?? String(err)}`);
    return 70;
  }
}
