// Runs a parsed workload through a KernelModel: header (platform, cpus, seed), then statements
// in order, each a kernel command (or a query) stamped with the workload file and line, the
// current CPU and a clock that advances 1 µs per statement (`wait` adds more).
import { basename } from 'node:path';
import { type DmaDir, type IommuEvent, isInputError, type Meta } from '../../domain-events/index.js';
import { type BlkMapping } from '../dma/blk-rq-map.js';
import { type DmaIovaState } from '../dma/iova-link.js';
import { KernelModel } from '../machine/machine.js';
import { type IommuPlatform, platformNamed } from '../machine/platform.js';
import { type Profile } from '../profile.js';
import { Args, type EvalEnv, fail } from './args.js';
import { type Node, type Statement, type WorkloadFile } from './ast.js';
import { Prng } from './prng.js';
import { VERBS } from './verbs.js';

export interface RunOptions {
  /** overrides the file's `seed` */
  readonly seed?: number;
  /** receives every command's events, in order (a journal writer) */
  readonly onEvents?: (events: readonly IommuEvent[]) => void;
  /** stop after this many statements have run (a quick smoke run of a long workload) */
  readonly stopAfter?: number;
}

export interface ExpectFailure {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface RunResult {
  readonly model: KernelModel;
  readonly events: number;
  readonly seed: number;
  readonly platform: string;
  readonly expectations: number;
  readonly failures: readonly ExpectFailure[];
}

/** One DMA mapping a pool keeps for a later unmap. */
export interface PoolEntry {
  readonly device: string;
  readonly dmaAddrs: readonly bigint[];
  readonly sizes: readonly bigint[];
  readonly phys: readonly bigint[];
  /** the mapping's direction: its unmap passes the same (dma-debug checks it) */
  readonly dir: DmaDir;
  /** a block request (blk_map): unmapped as the block layer does, by blk_rq_dma_unmap */
  readonly blk?: BlkMapping;
}

export class WorkloadRun implements EvalEnv {
  readonly vars = new Map<string, bigint>();
  readonly domains = new Map<string, number>();
  readonly ioas = new Map<string, number>();
  readonly pools = new Map<string, PoolEntry[]>();
  /** msi_enable results per device and doorbell, for the v6 put by IOVA */
  readonly msiIovas = new Map<string, bigint>();
  /** dma_iova states by the name dma_iova_alloc gave them (state=NAME) */
  readonly iovaStates = new Map<string, DmaIovaState>();
  readonly failures: ExpectFailure[] = [];
  expectations = 0;
  ts = 0;
  cpu = 0;
  events = 0;
  statements = 0;
  stopAfter = Infinity;
  private nextPhys = 0x40000000n;

  constructor(
    readonly file: string,
    readonly model: KernelModel,
    readonly prng: Prng,
    private readonly sink: ((events: readonly IommuEvent[]) => void) | undefined,
  ) {}

  meta(s: Statement): Meta {
    return { ts: this.ts, cpu: this.cpu, src: basename(this.file), line: s.pos.line };
  }

  exec(s: Statement, cmd: Parameters<KernelModel['run']>[0]): unknown {
    let r;
    try {
      r = this.model.run(cmd, this.meta(s));
    } catch (err) {
      // a command the model refuses (attach of an unprobed device …) is the workload's mistake
      if (isInputError(err)) fail(this, s.pos, (err as Error).message);
      throw err;
    }
    this.events += r.events.length;
    if (r.events.length) this.sink?.(r.events);
    return r.value;
  }

  /** physical memory for buffers: page-aligned, from a bump pointer over 1 GiB at 1 GiB */
  phys(size: bigint): bigint {
    const pages = (size + 4095n) / 4096n;
    if (this.nextPhys + pages * 4096n > 0x80000000n) this.nextPhys = 0x40000000n;
    const p = this.nextPhys;
    this.nextPhys += pages * 4096n;
    return p;
  }

  expect(s: Statement, a: Args, got: bigint | string, key = 'expect'): void {
    const want = a.value(key);
    if (want === undefined) return;
    this.expectations++;
    const norm = (v: bigint | string) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v);
    if (norm(want) !== norm(got)) this.failures.push({ line: s.pos.line, column: a.posOf(key).column, message: `${s.verb}: expected ${norm(want)}, got ${norm(got)}` });
  }

  check(s: Statement, column: number, ok: boolean, message: string): void {
    this.expectations++;
    if (!ok) this.failures.push({ line: s.pos.line, column, message });
  }

  domain(a: Args, at: string | number): number {
    const name = a.word(at);
    const id = this.domains.get(name);
    if (id === undefined) fail(this, a.posOf(at), `unknown domain ${JSON.stringify(name)} (declare it with "domain ${name} type=…")`);
    return id;
  }

  pool(a: Args, at: string | number): PoolEntry[] {
    const name = a.word(at);
    const p = this.pools.get(name);
    if (!p) fail(this, a.posOf(at), `unknown pool ${JSON.stringify(name)} (fill it with as=${name})`);
    return p;
  }

  run(nodes: readonly Node[]): void {
    for (const n of nodes) {
      if (this.statements >= this.stopAfter) return;
      if (n.k === 'repeat') {
        const count = new Args(this, { k: 'stmt', verb: 'repeat', args: [{ key: null, value: n.count, pos: n.pos }], text: '', pos: n.pos }, [], 1).num(0);
        const outer = this.vars.get('i');
        for (let i = 0n; i < count; i++) {
          this.vars.set('i', i);
          this.run(n.body);
        }
        if (outer === undefined) this.vars.delete('i');
        else this.vars.set('i', outer);
        continue;
      }
      const verb = VERBS[n.verb];
      if (!verb) fail(this, n.pos, `unknown statement ${JSON.stringify(n.verb)}`);
      verb(this, n);
      this.statements++;
      this.ts += 1000;
    }
  }
}

const HEADER = new Set(['platform', 'cpus', 'seed']);

/** The header statements: platform (with its CPU count) and the file's seed. */
export function workloadHeader(w: WorkloadFile): { platform: IommuPlatform; seed: number } {
  let platform: IommuPlatform | undefined;
  let cpus: number | null = null;
  let seed = 1;
  for (const n of w.body) {
    if (n.k !== 'stmt' || !HEADER.has(n.verb)) continue;
    const env: EvalEnv = { file: w.path, prng: new Prng(0), vars: new Map() };
    const a = new Args(env, n, [], 1);
    if (n.verb === 'platform') {
      const name = a.word(0);
      platform = platformNamed(name) ?? fail(env, a.posOf(0), `unknown platform ${JSON.stringify(name)} (known: arm-smmu-v3, intel-vtd)`);
    } else if (n.verb === 'cpus') cpus = Number(a.num(0));
    else seed = Number(a.num(0));
  }
  const p = platform ?? fail({ file: w.path }, { line: 1, column: 1 }, 'no "platform" statement');
  return { platform: cpus === null ? p : { ...p, cpus }, seed };
}

/** Every `as=NAME` of the file names a pool, empty until something lands in it. */
function declarePools(nodes: readonly Node[], pools: Map<string, PoolEntry[]>): void {
  for (const n of nodes) {
    if (n.k === 'repeat') declarePools(n.body, pools);
    else if (n.verb.startsWith('dma_') || n.verb.startsWith('blk_')) for (const a of n.args) if (a.key === 'as' && a.value.k === 'word') pools.set(a.value.text, []);
  }
}

export function runWorkload(w: WorkloadFile, profile: Profile, opts: RunOptions = {}): RunResult {
  const h = workloadHeader(w);
  const seed = opts.seed ?? h.seed;
  const model = new KernelModel(profile, h.platform);
  model.seqCounter = { next: 0 };
  const run = new WorkloadRun(w.path, model, new Prng(seed), opts.onEvents);
  declarePools(w.body, run.pools);
  run.stopAfter = opts.stopAfter ?? Infinity;
  run.run(w.body.filter((n) => n.k !== 'stmt' || !HEADER.has(n.verb)));
  return { model, events: run.events, seed, platform: h.platform.name, expectations: run.expectations, failures: run.failures };
}
