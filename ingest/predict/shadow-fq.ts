// The flush queue of a lazy domain in a what-if copy (shadow-iova.ts says why there is one):
// dma-iommu.c (6.1, 6.12) queue_iova / fq_ring_free / fq_flush_timeout with per-CPU rings, rule
// for rule as kernel/dma/flush-queue.ts, plus what that model cannot know from a trace: when the
// timer fired and on which CPU, which the caller decides (fire).
import { type DomainFq, Tx, editableArray } from '../../reducers/index.js';
import { IOVA_FQ_SIZE, IOVA_FQ_TIMEOUT_NS } from '../../kernel/dma/flush-queue.js';
import { type ShadowIova } from './shadow-iova.js';

interface Entry {
  readonly pfn: number;
  readonly pages: number;
  /** fq_flush_start_cnt when queued: freed once a flush that started later has finished */
  readonly counter: number;
}

/** fq_timer_on: when mod_timer was called and on which CPU */
export interface ArmedTimer {
  readonly at: number;
  readonly cpu: number;
}

export class ShadowFq {
  private queues: (readonly Entry[])[];
  private tx = new Tx();

  private constructor(
    queues: (readonly Entry[])[],
    private startCnt: number,
    private finishCnt: number,
    public timer: ArmedTimer | null,
  ) {
    this.queues = queues;
  }

  /** The committed flush-queue state (null: nothing queued yet). */
  static of(d: DomainFq | undefined, cpus: number): ShadowFq {
    const queues: (readonly Entry[])[] = Array.from({ length: Math.max(cpus, d?.queues.length ?? 0) }, (_, c) => d?.queues[c] ?? []);
    const timer = d && d.timerDeadline !== null ? { at: d.timerDeadline - IOVA_FQ_TIMEOUT_NS, cpu: d.timerCpu ?? 0 } : null;
    return new ShadowFq(queues, d?.startCnt ?? 0, d?.finishCnt ?? 0, timer);
  }

  fork(): ShadowFq {
    this.tx = new Tx();
    return new ShadowFq(this.queues, this.startCnt, this.finishCnt, this.timer);
  }

  /** entries waiting in every ring */
  get queued(): number {
    let n = 0;
    for (const q of this.queues) n += q.length;
    return n;
  }

  /** fq_ring_free: every entry at the head whose flush has finished, freed on `freeCpu`. */
  private ringFree(iova: ShadowIova, queueCpu: number, freeCpu: number): void {
    const q = this.queues[queueCpu];
    let n = 0;
    while (n < q.length && q[n].counter < this.finishCnt) n++;
    if (n === 0) return;
    for (let i = 0; i < n; i++) iova.freeIovaFast(q[i].pfn, q[i].pages, freeCpu);
    this.queues = editableArray(this.queues, this.tx);
    this.queues[queueCpu] = q.slice(n);
  }

  private flushIotlb(): void {
    this.startCnt++;
    this.finishCnt++;
  }

  /** queue_iova on `cpu` at `ts`: as kernel/dma/flush-queue.ts queueIova. */
  queue(iova: ShadowIova, pfn: number, pages: number, cpu: number, ts: number): void {
    while (this.queues.length <= cpu) {
      this.queues = editableArray(this.queues, this.tx);
      this.queues.push([]);
    }
    this.ringFree(iova, cpu, cpu);
    if (this.queues[cpu].length >= IOVA_FQ_SIZE - 1) {
      this.flushIotlb();
      this.ringFree(iova, cpu, cpu);
    }
    this.queues = editableArray(this.queues, this.tx);
    const q = (this.queues[cpu] = editableArray(this.queues[cpu], this.tx));
    q.push({ pfn, pages, counter: this.startCnt });
    if (this.timer === null) this.timer = { at: ts, cpu };
  }

  /** fq_flush_timeout run on `cpu`: one full flush, then every ring frees what it covered there. */
  fire(iova: ShadowIova, cpu: number): void {
    this.timer = null;
    this.flushIotlb();
    for (let c = 0; c < this.queues.length; c++) this.ringFree(iova, c, cpu);
  }
}
