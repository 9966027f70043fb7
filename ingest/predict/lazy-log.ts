// A lazy (DMA-FQ) domain's recent history while it is not yet known when its flush-queue timer
// fired. dma-iommu.c (6.1, 6.12) queue_iova puts an unmapped IOVA on the CPU's flush queue and
// arms a timer (mod_timer, IOVA_FQ_TIMEOUT = 10 ms, rounded to jiffies); fq_flush_timeout flushes
// the IOTLB and frees every queued entry into the timer CPU's rcache. The trace shows the unmaps
// and the allocations, never the timer. An allocation that takes an IOVA which only a firing
// could have freed places the firing; one that would come out the same either way does not. So
// the unmaps (and the allocations that did not tell) are kept in order since the last point where
// the firing was known, and each allocation replays them once per place the timer may have fired
// at: the places every kept allocation agrees with are the consistent ones. One left: it is
// decided; several: the log is kept (its allocations are already in the journal, the same in every
// consistent place); none: the model's place is taken and the allocation is entered as found.
import { type IommuEvent } from '../../domain-events/index.js';
import { type State } from '../../reducers/index.js';
import { fqFlushTimeout, IOVA_FQ_TIMEOUT_NS, queueIova } from '../../kernel/dma/flush-queue.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';

export type LogStep =
  | { readonly kind: 'free'; readonly pfn: number; readonly pages: number; readonly cpu: number; readonly ts: number }
  | { readonly kind: 'alloc'; readonly pfn: number; readonly ts: number; readonly cpu: number; readonly decide: (k: KernelCtx) => number };

/**
 * where the timer first fires in a replay: before step `at` (steps.length: before the allocation
 * being resolved), or not at all. After a firing, a later unmap arms it again (queue_iova), and
 * that timer fires where the learned delay puts it.
 */
export type Firing = number | 'none';

export interface Replay {
  readonly state: State;
  readonly events: IommuEvent[];
  /** every allocation of the log came out as the trace shows */
  readonly consistent: boolean;
  /** the replay freed IOVAs without a firing (a full ring, an entry flushed by an earlier firing) */
  readonly drained: boolean;
  /** when the timer was armed in it before the firing (null: not armed) */
  readonly armedAt: number | null;
}

/** the time mod_timer was called for the domain's pending timer, in this state */
export function armedAt(s: State, domain: number): number | null {
  const d = s.flushQueues.domains.get(domain)?.timerDeadline;
  return d === null || d === undefined ? null : d - IOVA_FQ_TIMEOUT_NS;
}

/**
 * The log replayed from `base` up to `nowTs` with the timer firing before step `fire` (if armed then); the
 * allocations of the log are decided again (their `decide`) and checked against what the trace
 * showed. `skipAllocEvents`: their events are already in the journal.
 */
export function replay(base: State, profile: Profile, domain: number, steps: readonly LogStep[], fire: Firing, skipAllocEvents: boolean, delay: number, nowTs: number | null): Replay {
  const k = new KernelCtx(base, profile, {});
  const events: IommuEvent[] = [];
  let consistent = true;
  let drained = false;
  let armed: number | null = armedAt(base, domain);
  const take = (from: number, skip: boolean) => {
    if (!skip) for (let i = from; i < k.events.length; i++) events.push(k.events[i]);
  };
  let fired = false;
  for (let i = 0; i <= steps.length; i++) {
    const now = armedAt(k.state, domain);
    const ts = i < steps.length ? steps[i].ts : nowTs;
    // the first firing where the world puts it; the timers armed again after it where the delay does
    const due = now !== null && (fire === i || (fired && ts !== null && ts >= now + delay));
    if (due) {
      const from = k.events.length;
      k.meta = { ts, cpu: 0 };
      fqFlushTimeout(k, domain);
      take(from, false);
      fired = true;
    }
    if (i === steps.length) break;
    const s = steps[i];
    const from = k.events.length;
    k.meta = { ts: s.ts, cpu: s.cpu };
    if (s.kind === 'free') {
      queueIova(k, domain, s.pfn, s.pages);
      for (let j = from; j < k.events.length; j++) if (k.events[j].type === 'FlushQueueDrained') drained = true;
      take(from, false);
      if (!fired) armed = armedAt(k.state, domain) ?? armed;
    } else {
      if (s.decide(k) !== s.pfn) consistent = false;
      take(from, skipAllocEvents);
    }
  }
  return { state: k.state, events, consistent, drained, armedAt: armed };
}

/** The place the model puts the firing: the first step at or after arming plus the learned delay. */
export function modelFiring(base: State, domain: number, steps: readonly LogStep[], nowTs: number, delay: number): Firing {
  // the timer is armed by the first queued entry unless it already was
  let armed = armedAt(base, domain);
  for (let i = 0; i <= steps.length; i++) {
    const ts = i < steps.length ? steps[i].ts : nowTs;
    if (armed !== null && ts >= armed + delay) return i;
    if (i < steps.length && armed === null && steps[i].kind === 'free') armed = steps[i].ts;
  }
  return 'none';
}
