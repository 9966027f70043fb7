// Commander ignores what an action returns; commands here return their exit code, and act()
// carries it back to run().
let exitCode = 0;

export function act<A extends unknown[]>(fn: (...args: A) => number | void | Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const r = await fn(...args);
    if (typeof r === 'number' && r > exitCode) exitCode = r;
  };
}

export function takeExitCode(): number {
  const c = exitCode;
  exitCode = 0;
  return c;
}
