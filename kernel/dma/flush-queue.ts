// The lazy-mode flush queue (dma-iommu.c queue_iova / fq_ring_free / fq_flush_timeout, 6.1 and
// 6.12 per-CPU queues): an unmapped IOVA waits in the CPU's ring until a full IOTLB flush that
// started after it has finished; only then is it freed (free_iova_fast, on the freeing CPU).
// Flushes come from the 10 ms timer armed by the first queued entry, or from a full ring.
import { FlushQueueDrained, FlushQueued, FlushQueueTimerExpired, IotlbFlushed } from '../../domain-events/index.js';
import { freeIovaFast } from '../iova/index.js';
import { type KernelCtx } from '../machine/ctx.js';

/** IOVA_FQ_SIZE: a ring of 256 slots holds at most 255 entries */
export const IOVA_FQ_SIZE = 256;
/** IOVA_FQ_TIMEOUT: 10 ms */
export const IOVA_FQ_TIMEOUT_NS = 10_000_000;

function fqFlushIotlb(k: KernelCtx, domain: number): void {
  k.emit(IotlbFlushed.make({ domain, addPage: 0, flushWalk: 0, flushAll: 1, iova: null, size: null }, k.meta));
}

/** fq_ring_free: free from the head every entry whose flush has completed, on `freeCpu`. */
function fqRingFree(k: KernelCtx, domain: number, queueCpu: number, freeCpu: number, reason: 'timer' | 'full' | 'queue'): void {
  const fq = k.state.flushQueues.domains.get(domain);
  const q = fq?.queues[queueCpu];
  if (!fq || !q || q.length === 0) return;
  let n = 0;
  while (n < q.length && q[n].counter < fq.finishCnt) n++;
  if (n === 0) return;
  const done = q.slice(0, n);
  k.emit(FlushQueueDrained.make({ domain, entries: n, reason, finishedCnt: fq.finishCnt }, { ...k.meta, cpu: queueCpu }));
  k.withIova(domain, (c) => {
    for (const e of done) freeIovaFast(c, e.pfn, e.pages);
  }, freeCpu);
}

/** queue_iova(cookie, pfn, pages) on the current CPU */
export function queueIova(k: KernelCtx, domain: number, pfn: number, pages: number): void {
  const cpu = k.cpu;
  fqRingFree(k, domain, cpu, cpu, 'queue');
  const fq = k.state.flushQueues.domains.get(domain);
  if ((fq?.queues[cpu]?.length ?? 0) >= IOVA_FQ_SIZE - 1) {
    fqFlushIotlb(k, domain);
    fqRingFree(k, domain, cpu, cpu, 'full');
  }
  const now = k.state.flushQueues.domains.get(domain);
  const arm = now?.timerDeadline === null || now === undefined;
  const deadline = arm ? (k.ts ?? 0) + IOVA_FQ_TIMEOUT_NS : null;
  k.emit(FlushQueued.make({ domain, pfn, pages, counter: now?.startCnt ?? 0, timerDeadline: deadline }, k.meta));
}

/**
 * fq_flush_timeout: one full flush, then every CPU's queue frees what it covered, on the CPU that
 * runs the timer: the one that armed it unless `cpu` says otherwise (an imported trace never shows
 * the timer; timer migration may run it elsewhere).
 */
export function fqFlushTimeout(k: KernelCtx, domain: number, cpu?: number): void {
  const fq = k.state.flushQueues.domains.get(domain);
  if (!fq || fq.timerDeadline === null) return;
  const timerCpu = cpu ?? fq.timerCpu ?? 0;
  k.emit(FlushQueueTimerExpired.make({ domain }, { ...k.meta, ts: fq.timerDeadline, cpu: timerCpu }));
  fqFlushIotlb(k, domain);
  const queues = k.state.flushQueues.domains.get(domain)!.queues.length;
  for (let cpu = 0; cpu < queues; cpu++) fqRingFree(k, domain, cpu, timerCpu, 'timer');
}

/** Timers due at or before `ts` fire first (in deadline order): lazy frees follow trace time. */
export function runDueTimers(k: KernelCtx, ts: number): void {
  for (;;) {
    let due: { domain: number; at: number } | null = null;
    k.state.flushQueues.domains.forEach((id, d) => {
      if (d.timerDeadline !== null && d.timerDeadline <= ts && (!due || d.timerDeadline < due.at)) due = { domain: id, at: d.timerDeadline };
    });
    if (!due) return;
    fqFlushTimeout(k, (due as { domain: number }).domain);
  }
}
