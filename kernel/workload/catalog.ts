// Workload files: fixtures/workloads/<name>.wl by name, or any file by path.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../domain-events/index.js';
import { type WorkloadFile } from './ast.js';
import { parseWorkload } from './parse.js';

export const WORKLOAD_EXT = '.wl';

export function listWorkloads(dir: string): WorkloadFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(WORKLOAD_EXT))
    .sort()
    .map((f) => parseWorkload(readFileSync(join(dir, f), 'utf8'), join(dir, f), basename(f, WORKLOAD_EXT)));
}

/** A bundled workload by name, or a workload file by path. */
export function loadWorkload(nameOrPath: string, dir: string): WorkloadFile {
  const bundled = join(dir, nameOrPath + WORKLOAD_EXT);
  const path = existsSync(bundled) ? bundled : nameOrPath;
  if (!existsSync(path) || statSync(path).isDirectory()) {
    const known = listWorkloads(dir).map((w) => w.name);
    throw new InputError(`unknown workload ${JSON.stringify(nameOrPath)}: neither a bundled workload (${known.join(', ')}) nor a workload file`);
  }
  return parseWorkload(readFileSync(path, 'utf8'), path, basename(path).replace(/\.[^.]*$/, ''));
}
