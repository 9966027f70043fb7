// The committed what-if copy of a lazy domain (lazy-domain.ts): the allocator and flush queue
// (shadow-iova.ts, shadow-fq.ts) as they stand before the first step the domain still keeps in
// its log. Once the hypotheses (worlds.ts) agree on the flush-queue timer's firings up to some
// trace line, the steps logged up to there are run into it with those firings, each on the CPU
// the worlds put it on; retro.ts runs the recent steps again from it. It makes no journal events:
// the journal's allocator (lazy-domain.ts) takes every step at its own trace line, so that each
// event it records was decided on the state the journal has when it reads it. Each logged step is
// run here once: the work per trace line stays bounded however long the worlds take to agree.
import { type ShadowFq } from './shadow-fq.js';
import { type ShadowDevice, type ShadowIova } from './shadow-iova.js';
import { type Fire } from './worlds.js';

/** what a logged step needs to be run again in a what-if copy */
export type LogStep =
  | { readonly kind: 'free'; readonly pfn: number; readonly pages: number; readonly cpu: number; readonly ts: number; readonly burst: boolean }
  | {
      readonly kind: 'alloc';
      readonly pfn: number;
      readonly pages: number;
      readonly cpu: number;
      readonly ts: number;
      readonly device: ShadowDevice | null;
      /** the DMA mask that gave it (null: entered as found) */
      readonly mask: number | null;
      /** the allocating CPU's phantom cache entries were dropped first (phantoms.ts) */
      readonly phantoms: boolean;
      /** entered as found in a domain the evidence was sure of: the magazines are reconciled with it (shadow-iova.ts enter) */
      readonly reconcile?: boolean;
    };

/** the allocator and flush queue of one hypothesis */
export interface Copy {
  iova: ShadowIova;
  readonly fq: ShadowFq;
}

/** Runs one step in a copy; false when an allocation does not come out as the trace showed. */
export function replayStep(x: Copy, s: LogStep, limit: (mask: number) => bigint, live: ReadonlySet<number>): boolean {
  if (s.kind === 'free') {
    x.fq.queue(x.iova, s.pfn, s.pages, s.cpu, s.ts);
    return true;
  }
  if (s.device === null || s.mask === null) {
    x.iova.enter(s.pfn, s.pages, s.reconcile ? s.cpu : null);
    return true;
  }
  if (s.phantoms) x.iova.dropPhantoms(s.pages, s.cpu, live);
  return x.iova.dmaAllocIova(s.pages, limit(s.mask), s.device, s.cpu).pfn === s.pfn;
}

/**
 * The first `n` steps run into `base`, the timer firing before step i on each firing's CPU
 * (`fires` sorted by step; those at or after `until` are left out: `until` is n, or n + 1 to
 * take the firings after the last step too). An allocation that does not come out as the trace
 * showed (the live set has moved since it was logged) is entered as found, as the worlds did.
 */
export function commitSteps(base: Copy, steps: readonly LogStep[], n: number, fires: readonly Fire[], until: number, limit: (mask: number) => bigint, live: ReadonlySet<number>): void {
  let f = 0;
  for (let i = 0; i <= n && i < until; i++) {
    for (; f < fires.length && fires[f].at === i; f++) if (base.fq.timer !== null) base.fq.fire(base.iova, fires[f].cpu);
    if (i === n) break;
    const s = steps[i];
    if (s.kind === 'free' || s.device === null) {
      replayStep(base, s, limit, live);
      continue;
    }
    const y = { iova: base.iova.fork(), fq: base.fq };
    if (replayStep(y, s, limit, live)) base.iova = y.iova;
    else base.iova.enter(s.pfn, s.pages, s.reconcile ? s.cpu : null);
  }
}
