// Worker threads of our own modules. Compiled (dist/), a worker module is a .js file beside its
// caller; run from the TypeScript sources (the test suite), it is a .ts file, which Node does not
// load by itself: the worker then gets module hooks that transpile it (test-support/).
import { Worker } from 'node:worker_threads';

const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** The URL of module `name` (without extension) beside the module at `base` (an import.meta.url). */
export function workerModule(name: string, base: string): URL {
  return new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
}

export function startWorker(module: URL, workerData: unknown, transferList: readonly ArrayBuffer[] = []): Worker {
  const execArgv = FROM_SOURCES || module.pathname.endsWith('.ts') ? ['--import', new URL('./test-support/ts-worker-register.mjs', import.meta.url).href] : undefined;
  return new Worker(module, { workerData, execArgv, transferList: transferList as ArrayBuffer[] });
}
