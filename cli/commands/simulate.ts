// simulate: run a workload through a behaviour profile and record the events in a journal.
import { join } from 'node:path';
import { type Command } from 'commander';
import { checkCompanion } from '../../checks/index.js';
import { InputError } from '../../domain-events/index.js';
import { applySwitches, type Switches } from '../../kernel/profile.js';
import { getProfile, PROFILES } from '../../kernel/profiles/index.js';
import { listWorkloads, loadWorkload, runWorkload, workloadHeader } from '../../kernel/workload/index.js';
import { JournalRecorder } from '../../replay/index.js';
import { act } from '../act.js';
import { printJson, println, table, warn } from '../output.js';
import { repoRoot } from './demo.js';
import { checkOutputPath, forceOption } from '../output-file.js';

interface SimulateOpts {
  profile?: string;
  workload?: string;
  output?: string;
  seed?: string;
  list?: boolean;
  json?: boolean;
  force?: boolean;
  strict?: boolean;
  lazy?: boolean;
  forcedac?: boolean;
  split?: boolean;
  refuse?: boolean;
  depot?: string;
  reservedIndex?: string;
}

export function workloadDir(): string {
  return join(repoRoot(), 'fixtures', 'workloads');
}

function switchesOf(o: SimulateOpts): Switches {
  if (o.strict && o.lazy) throw new InputError('--strict and --lazy exclude each other');
  if (o.split && o.refuse) throw new InputError('--split and --refuse exclude each other');
  if (o.depot !== undefined && o.depot !== 'array32' && o.depot !== 'list+trim') throw new InputError(`--depot ${o.depot}: expected array32 or list+trim`);
  if (o.reservedIndex !== undefined && o.reservedIndex !== 'rbtree' && o.reservedIndex !== 'list') throw new InputError(`--reserved-index ${o.reservedIndex}: expected rbtree or list`);
  return {
    strict: o.strict,
    lazy: o.lazy,
    forcedac: o.forcedac,
    splitOnUnmap: o.split ? 'split' : o.refuse ? 'refuse' : undefined,
    depot: o.depot as Switches['depot'],
    reservedIndex: o.reservedIndex as Switches['reservedIndex'],
  };
}

function list(json: boolean): number {
  const workloads = listWorkloads(workloadDir());
  if (json) {
    printJson({ profiles: PROFILES.map((p) => ({ name: p.name, kernel: p.kernel, description: p.description })), workloads: workloads.map((w) => ({ name: w.name, description: w.description })) });
    return 0;
  }
  println('profiles:');
  for (const l of table(PROFILES.map((p) => ['  ' + p.name, p.description]))) println(l);
  println('workloads:');
  for (const l of table(workloads.map((w) => ['  ' + w.name, w.description]))) println(l);
  println('switches (any profile): --strict --lazy --forcedac --split --refuse --depot array32|list+trim --reserved-index rbtree|list');
  return 0;
}

function parseSeed(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new InputError(`--seed ${s}: expected an integer in [0, 2^32)`);
  return Number(s);
}

export function registerSimulate(program: Command): void {
  const cmd = program
    .command('simulate')
    .description('run a workload through a behaviour profile (kernel version or patch series) and record a journal')
    .option('-p, --profile <name>', 'behaviour profile (see --list)')
    .option('-w, --workload <name|file>', 'bundled workload name or a workload file')
    .option('-o, --output <file>', 'journal to write')
    .option('--seed <n>', 'seed for the workload\'s random choices (default: the file\'s `seed`)')
    .option('--strict', 'strict IOTLB invalidation (iommu.strict=1)')
    .option('--lazy', 'lazy invalidation through the flush queue (iommu.strict=0)')
    .option('--forcedac', 'no 32-bit-first IOVAs for PCI (iommu.forcedac=1)')
    .option('--split', 'ARM LPAE: split a partially unmapped block (≤ 6.13)')
    .option('--refuse', 'ARM LPAE: refuse a partial block unmap (6.14+)')
    .option('--depot <kind>', 'rcache depot: array32 or list+trim')
    .option('--reserved-index <kind>', '2016 reserved series: bindings in an rbtree or a list')
    .option('--list', 'list profiles and workloads, one line each')
    .option('--json', 'one JSON object on stdout');
  forceOption(cmd, 'output journal').action(
      act(async (o: SimulateOpts) => {
        if (o.list) return list(!!o.json);
        if (!o.profile) throw new InputError('simulate: --profile is required (see simulate --list)');
        if (!o.workload) throw new InputError('simulate: --workload is required (see simulate --list)');
        if (!o.output) throw new InputError('simulate: -o FILE.journal is required');
        checkOutputPath(o.output, !!o.force);
        const profile = applySwitches(getProfile(o.profile), switchesOf(o));
        const workload = loadWorkload(o.workload, workloadDir());
        // a simulated journal is a function of profile, workload and seed: no wall-clock date in it
        process.env.SOURCE_DATE_EPOCH ??= '0';
        const seed = parseSeed(o.seed);
        const h = workloadHeader(workload);
        // the workload as named on the command line: the journal must not depend on where the checkout lives
        const meta = { workload: workload.name, seed: seed ?? h.seed, platform: h.platform.name, cpus: h.platform.cpus };
        // the checks' records beside every checkpoint let bisect --check probe instead of replaying
        const rec = JournalRecorder.create(o.output, { profile: profile.name, source: o.workload, overwrite: !!o.force, meta, companion: checkCompanion() });
        let r;
        try {
          r = runWorkload(workload, profile, { seed, onEvents: (ev) => rec.append(ev) });
        } catch (err) {
          rec.abandon();
          throw err;
        }
        rec.note({ workload: workload.name, seed: r.seed, platform: r.platform, expectations: r.expectations, failures: r.failures.length });
        rec.close();
        for (const f of r.failures) warn(`${workload.path}:${f.line}:${f.column}: ${f.message}`);
        const cpus = r.model.platform.cpus;
        if (o.json) printJson({ output: o.output, profile: profile.name, workload: workload.name, platform: r.platform, cpus, seed: r.seed, events: r.events, expectations: r.expectations, failures: r.failures });
        else {
          const checks = r.expectations ? `, ${r.expectations - r.failures.length}/${r.expectations} expectations met` : '';
          println(`${workload.name} under ${profile.name} (${r.platform}, ${cpus} CPU${cpus === 1 ? '' : 's'}, seed ${r.seed}): ${r.events} events${checks} → ${o.output}`);
        }
        return r.failures.length ? 1 : 0;
      }),
    );
}
