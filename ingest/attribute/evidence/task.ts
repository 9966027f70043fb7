// Task evidence: a task that was shown to drive a device keeps doing so (a dd process reads one
// disk; the task that attached a device probes it). Every line has a task: its pid for process
// context, its CPU for interrupt context (the trace names the interrupted task there), and maps
// and unmaps apart (a completion runs on top of whatever task the interrupt hit).
//
// A task accumulates only the evidence that speaks about it independently of where its own lines
// were put: a phase marker, a probe, a device page, where its mappings completed, a map the
// other domains could not take. Its own earlier decisions are not evidence again (that is how a
// first guess would confirm itself). Kernel workers and interrupt contexts serve several devices:
// their evidence fades (workerForgetNs); a user task's does not.
import { type LineContext } from '../../records.js';
import { type Ballot } from '../combine.js';
import { type EvidenceWeights } from '../weights.js';

const KERNEL_WORKER = /^(kworker|ksoftirqd|kblockd|scsi_|irq\/|jbd2|kswapd|rcu_|migration|writeback|kthreadd|swapper|idle|<idle>)/;
/** tasks not seen for this long are forgotten (bounded memory on long traces) */
const FORGET_TASK_NS = 30_000_000_000;
const PAGES_PER_TASK = 4096;

export interface Task {
  readonly key: string;
  /** accumulated log likelihood ratio per domain id */
  readonly log: Map<number, number>;
  /** the value of a domain not in `log` (one the task was never shown) */
  base: number;
  /** the part of `log` that anchoring kinds gave (kinds.ts ANCHORS), per domain */
  readonly anchored: Map<number, number>;
  readonly worker: boolean;
  ts: number;
  /** physical pages this task has mapped (device-page evidence counts a page once per task) */
  readonly pages: Set<number>;
  /** facts already counted for this task (a phase, a probe): the same fact again is no new evidence */
  readonly facts: Set<string>;
}

/** The irq-info column says hardirq or softirq ('h', 'H', 's' in its third place), or the task is the idle task. */
export function inInterrupt(at: LineContext): boolean {
  if (at.pid === 0) return true;
  const c = at.irq?.charCodeAt(2);
  return c === 104 /* h */ || c === 72 /* H */ || c === 115 /* s */;
}

export function taskKey(at: LineContext, side: 'map' | 'unmap'): string {
  return inInterrupt(at) ? `${side}:irq/${at.cpu}` : `${side}:${at.pid}`;
}

export class TaskBeliefs {
  private readonly tasks = new Map<string, Task>();
  private lastSweep = 0;

  constructor(private readonly w: EvidenceWeights) {}

  get(at: LineContext, side: 'map' | 'unmap'): Task {
    const key = taskKey(at, side);
    let t = this.tasks.get(key);
    if (!t) {
      const worker = inInterrupt(at) || KERNEL_WORKER.test(at.task);
      this.tasks.set(key, (t = { key, log: new Map(), base: 0, anchored: new Map(), worker, ts: at.ts, pages: new Set(), facts: new Set() }));
    }
    this.fade(t, at.ts);
    this.sweep(at.ts);
    return t;
  }

  /** the task of an earlier line, by key, if still remembered */
  byKey(key: string): Task | undefined {
    return this.tasks.get(key);
  }

  private fade(t: Task, ts: number): void {
    if (t.worker && ts > t.ts) {
      const keep = Math.exp(-(ts - t.ts) / this.w.workerForgetNs);
      for (const [d, v] of t.log) t.log.set(d, v * keep);
      for (const [d, v] of t.anchored) t.anchored.set(d, v * keep);
      t.base *= keep;
    }
    t.ts = Math.max(t.ts, ts);
  }

  private sweep(ts: number): void {
    if (ts - this.lastSweep < FORGET_TASK_NS) return;
    this.lastSweep = ts;
    for (const [k, t] of this.tasks) if (ts - t.ts > FORGET_TASK_NS) this.tasks.delete(k);
  }

  /** Evidence about the task: log likelihood ratio lr for `domain`; `anchor`: from an anchoring kind. */
  add(t: Task, domain: number, lr: number, anchor = false): void {
    if (anchor) t.anchored.set(domain, Math.max(-this.w.taskCap, Math.min(this.w.taskCap, (t.anchored.get(domain) ?? 0) + lr)));
    t.log.set(domain, (t.log.get(domain) ?? t.base) + lr);
    // keep the spread bounded: later evidence can still turn a task around
    let max = t.base;
    for (const v of t.log.values()) max = Math.max(max, v);
    for (const [d, v] of t.log) t.log.set(d, Math.max(v - max, -this.w.taskCap));
    t.base = Math.max(t.base - max, -this.w.taskCap);
  }

  /** The task's accumulated evidence, as the 'task' row of a ballot (shifted to be >= 0: only differences matter). */
  weigh(t: Task, ballot: Ballot): void {
    for (const [d, v] of t.anchored) ballot.anchor(d, v);
    if (t.log.size === 0) return;
    for (const d of ballot.cands) ballot.add('task', d.id, (t.log.get(d.id) ?? t.base) + this.w.taskCap);
  }

  /** Drops what the task was shown to drive (its facts stay: a fact counted is not new again). */
  forget(t: Task): void {
    t.log.clear();
    t.anchored.clear();
    t.base = 0;
  }

  /** Whether `fact` is new for the task (and remember it). */
  firstTime(t: Task, fact: string): boolean {
    if (t.facts.has(fact)) return false;
    if (t.facts.size >= 64) t.facts.clear();
    t.facts.add(fact);
    return true;
  }

  seenPage(t: Task, ppfn: number): boolean {
    if (t.pages.has(ppfn)) return true;
    if (t.pages.size >= PAGES_PER_TASK) t.pages.clear();
    t.pages.add(ppfn);
    return false;
  }
}
