// The flush queue of a lazy domain in a what-if copy (shadow-iova.ts says why there is one):
// dma-iommu.c (6.1, 6.12) queue_iova / fq_ring_free / fq_flush_timeout with per-CPU rings, rule
// for rule as kernel/dma/flush-queue.ts, plus what that model cannot know from a trace: when the
// timer fired and on which CPU, which the caller decides (fire).
import { type DomainFq } from '../../reducers/index.js';
import { IOVA_FQ_SIZE, IOVA_FQ_TIMEOUT_NS } from '../../kernel/dma/flush-queue.js';
import { type ShadowIova } from './shadow-iova.js';

/**
 * The entries ever queued on one CPU's ring by a world and the worlds forked from it, oldest
 * first; each world sees the slice [head, tail) of it. Entries are only appended, so forks share
 * the log: a world appends in place when it holds the end of the log, or steps over the entry
 * when another world appended the same one there, and copies its slice only when they differ.
 */
class RingLog {
  readonly pfn: number[] = [];
  readonly pages: number[] = [];
  /** fq_flush_start_cnt when queued: freed once a flush that started later has finished */
  readonly counter: number[] = [];

  push(pfn: number, pages: number, counter: number): void {
    this.pfn.push(pfn);
    this.pages.push(pages);
    this.counter.push(counter);
  }

  /** entries [head, tail) in a log of their own */
  static copy(from: RingLog, head: number, tail: number): RingLog {
    const l = new RingLog();
    for (let i = head; i < tail; i++) l.push(from.pfn[i], from.pages[i], from.counter[i]);
    return l;
  }
}

/** a log whose world has freed this many entries at its head is copied down when it appends */
const COMPACT_AT = 4 * IOVA_FQ_SIZE;

/** fq_timer_on: when mod_timer was called and on which CPU */
export interface ArmedTimer {
  readonly at: number;
  readonly cpu: number;
}

export class ShadowFq {
  private constructor(
    /** per CPU: the ring's log and this world's slice of it */
    private readonly logs: RingLog[],
    private readonly heads: number[],
    private readonly tails: number[],
    private startCnt: number,
    private finishCnt: number,
    public timer: ArmedTimer | null,
  ) {}

  /** The committed flush-queue state (null: nothing queued yet). */
  static of(d: DomainFq | undefined, cpus: number): ShadowFq {
    const n = Math.max(cpus, d?.queues.length ?? 0);
    const logs: RingLog[] = [];
    const tails: number[] = [];
    for (let c = 0; c < n; c++) {
      const l = new RingLog();
      for (const e of d?.queues[c] ?? []) l.push(e.pfn, e.pages, e.counter);
      logs.push(l);
      tails.push(l.pfn.length);
    }
    const timer = d && d.timerDeadline !== null ? { at: d.timerDeadline - IOVA_FQ_TIMEOUT_NS, cpu: d.timerCpu ?? 0 } : null;
    return new ShadowFq(logs, new Array<number>(n).fill(0), tails, d?.startCnt ?? 0, d?.finishCnt ?? 0, timer);
  }

  /** An independent copy: the logs are shared, each side appends as RingLog says. */
  fork(): ShadowFq {
    return new ShadowFq(this.logs.slice(), this.heads.slice(), this.tails.slice(), this.startCnt, this.finishCnt, this.timer);
  }

  /** entries waiting in every ring */
  get queued(): number {
    let n = 0;
    for (let c = 0; c < this.logs.length; c++) n += this.tails[c] - this.heads[c];
    return n;
  }

  /** fq_ring_free: every entry at the head whose flush has finished, freed on `freeCpu`. */
  private ringFree(iova: ShadowIova, queueCpu: number, freeCpu: number): void {
    const l = this.logs[queueCpu];
    const tail = this.tails[queueCpu];
    let h = this.heads[queueCpu];
    for (; h < tail && l.counter[h] < this.finishCnt; h++) iova.freeIovaFast(l.pfn[h], l.pages[h], freeCpu);
    this.heads[queueCpu] = h;
  }

  private flushIotlb(): void {
    this.startCnt++;
    this.finishCnt++;
  }

  /** The entry at the ring's tail. */
  private append(cpu: number, pfn: number, pages: number, counter: number): void {
    const l = this.logs[cpu];
    const head = this.heads[cpu];
    const tail = this.tails[cpu];
    if (tail === l.pfn.length && head < COMPACT_AT) l.push(pfn, pages, counter);
    else if (tail < l.pfn.length && l.pfn[tail] === pfn && l.pages[tail] === pages && l.counter[tail] === counter) {
      // another world appended this very entry: shared
    } else {
      const own = RingLog.copy(l, head, tail);
      own.push(pfn, pages, counter);
      this.logs[cpu] = own;
      this.heads[cpu] = 0;
      this.tails[cpu] = tail - head;
    }
    this.tails[cpu]++;
  }

  /** queue_iova on `cpu` at `ts`: as kernel/dma/flush-queue.ts queueIova. */
  queue(iova: ShadowIova, pfn: number, pages: number, cpu: number, ts: number): void {
    while (this.logs.length <= cpu) {
      this.logs.push(new RingLog());
      this.heads.push(0);
      this.tails.push(0);
    }
    this.ringFree(iova, cpu, cpu);
    if (this.tails[cpu] - this.heads[cpu] >= IOVA_FQ_SIZE - 1) {
      this.flushIotlb();
      this.ringFree(iova, cpu, cpu);
    }
    this.append(cpu, pfn, pages, this.startCnt);
    if (this.timer === null) this.timer = { at: ts, cpu };
  }

  /** fq_flush_timeout run on `cpu`: one full flush, then every ring frees what it covered there. */
  fire(iova: ShadowIova, cpu: number): void {
    this.timer = null;
    this.flushIotlb();
    for (let c = 0; c < this.logs.length; c++) this.ringFree(iova, c, cpu);
  }
}
