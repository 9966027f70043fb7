// Workloads: a readable scenario language run through the kernel model (see ast.ts, parse.ts).
export * from './ast.js';
export * from './parse.js';
export * from './prng.js';
export * from './run.js';
export * from './catalog.js';
