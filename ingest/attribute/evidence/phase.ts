// Phase markers: a workload that writes `RUN dd if=/dev/sda ...` to trace_marker before a step
// drives that disk during it; dmesg names the disk's device (hints.ts). Evidence for maps made in
// process context (an interrupt may belong to any device), and about the task too.
import { type Ballot } from '../combine.js';
import { inInterrupt, type Task } from './task.js';
import { type MapQuery, type MapWeigher, type Scene } from './scene.js';
import { type MapRecord } from '../window.js';

export const phase: MapWeigher = {
  kind: 'phase',
  readsIova: false,
  weigh(q: MapQuery, b: Ballot): void {
    if (inInterrupt(q.r.at)) return;
    const dev = q.s.hints.phaseDevice(q.s.phase);
    const d = dev ? q.s.book.dmaDomainOf(dev) : undefined;
    // one fact per task and marker: its later lines carry it as task evidence
    if (d && q.s.tasks.firstTime(q.task, `phase:${q.s.phaseSeq}`)) b.add('phase', d.id, Math.log(q.s.w.phase), true);
  },
};

/**
 * A kernel worker (kblockd's kworker/N:MH) serves whichever device's queue has work (blk-mq.c
 * (6.1) __blk_mq_delay_run_hw_queue: an async run of any hardware queue is kblockd work): what it
 * was shown to drive before a marker naming the disk the workload now drives is about the last
 * workload, not this one. Its first map in process context after such a marker starts it afresh,
 * before its evidence is weighed; a user task's evidence is its own and stays.
 */
export function workerPhaseChange(s: Scene, task: Task, r: MapRecord): void {
  if (!task.worker || inInterrupt(r.at)) return;
  if (!s.tasks.firstTime(task, `worker-phase:${s.phaseSeq}`)) return;
  const dev = s.hints.phaseDevice(s.phase);
  if (dev && s.book.dmaDomainOf(dev)) s.tasks.forget(task);
}
