// Phase markers: a workload that writes `RUN dd if=/dev/sda ...` to trace_marker before a step
// drives that disk during it; dmesg names the disk's device (hints.ts). Evidence for maps made in
// process context (an interrupt may belong to any device), and about the task too.
import { type Ballot } from '../combine.js';
import { inInterrupt } from './task.js';
import { type MapQuery, type MapWeigher } from './scene.js';

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
