// Probe order: a driver maps its rings and queues while it probes. Two sources say who is
// probing: the guest's dmesg (a driver's first line about a device, hints.ts) and the trace's own
// attach_device_to_domain / add_device_to_group lines (the task that attached a device goes on to
// probe it: arm64 creates groups at driver bind). Evidence about the task, until a phase marker
// says the setup is over.
import { type LineContext } from '../../records.js';
import { type BookDomain } from '../book.js';
import { type Ballot } from '../combine.js';
import { type MapQuery, type MapWeigher, type Scene } from './scene.js';

export const probe: MapWeigher = {
  kind: 'probe',
  readsIova: false,
  weigh(q: MapQuery, b: Ballot): void {
    // a phase marker written after the probe began says the setup is over
    const dev = q.s.hints.probedWithin(q.r.at.ts, Math.min(q.s.w.probeWindowNs, q.r.at.ts - q.s.phaseTs));
    const d = dev ? q.s.book.dmaDomainOf(dev) : undefined;
    if (d && q.s.tasks.firstTime(q.task, `probe:${dev}`)) b.add('probe', d.id, Math.log(q.s.w.probe), true);
  },
};

/**
 * The task at `at` attached `device` to `domain` (its default domain when only the group was
 * added): it will probe it, or, an UNMANAGED domain, map into it (VFIO's user program).
 */
export function attached(s: Scene, at: LineContext, device: string, domain: BookDomain | undefined): void {
  const t = s.tasks.get(at, 'map');
  if (domain && (domain.type === 'DMA' || domain.type === 'DMA_FQ' || domain.type === 'UNMANAGED') && s.tasks.firstTime(t, `attach:${device}:${domain.id}`)) s.tasks.add(t, domain.id, Math.log(s.w.attach), true);
}
