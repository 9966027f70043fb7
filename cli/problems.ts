// Problems met while reading input go to stderr, each once, but a broken file must not drown the
// terminal: the first ones in full, then how many more.
import { warn } from './output.js';

export function warnProblems(problems: readonly string[], limit = 20): void {
  for (const p of problems.slice(0, limit)) warn(p);
  if (problems.length > limit) warn(`… and ${problems.length - limit} more problems (all counted in the summary)`);
}
