// What a lazy domain's mirror commits to the journal once its hypotheses (worlds.ts) agree on the
// flush-queue timer's firings up to some trace line: the unmaps and allocations logged since the
// last commit, run once through the kernel's own deciders (dma-iommu.c queue_iova /
// fq_flush_timeout, iova.c via kernel/dma and kernel/iova) with the firings every world agrees
// on, each on the CPU the worlds put it on. Each logged step is run here exactly once: the work
// per trace line stays bounded however long the worlds take to agree.
import { type IommuEvent } from '../../domain-events/index.js';
import { type State } from '../../reducers/index.js';
import { fqFlushTimeout, queueIova } from '../../kernel/dma/flush-queue.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';
import { type ShadowDevice } from './shadow-iova.js';
import { type Fire } from './worlds.js';

export type LogStep =
  | { readonly kind: 'free'; readonly pfn: number; readonly pages: number; readonly cpu: number; readonly ts: number; readonly burst: boolean }
  | {
      readonly kind: 'alloc';
      readonly pfn: number;
      readonly pages: number;
      readonly ts: number;
      readonly cpu: number;
      readonly device: ShadowDevice | null;
      /** the DMA mask that gave it (null: entered as found) */
      readonly mask: number | null;
      /** the allocating CPU's phantom cache entries were dropped first (phantoms.ts) */
      readonly phantoms: boolean;
      /** takes the allocation in: the decision that gave it, else the range entered as found */
      readonly decide: (k: KernelCtx) => void;
    };

export interface Committed {
  readonly state: State;
  /** the events of the frees and firings (the allocations' are in the journal already) */
  readonly events: IommuEvent[];
}

/**
 * The first `n` steps run from `base`, the timer firing before step i on each firing's CPU
 * (`fires` sorted by step; those at or after `until` are left out: `until` is n, or n + 1 to
 * take the firings after the last step too).
 */
export function commitSteps(base: State, profile: Profile, domain: number, steps: readonly LogStep[], n: number, fires: readonly Fire[], until: number): Committed {
  const k = new KernelCtx(base, profile, {});
  const events: IommuEvent[] = [];
  let f = 0;
  for (let i = 0; i <= n && i < until; i++) {
    for (; f < fires.length && fires[f].at === i; f++) {
      const from = k.events.length;
      k.meta = { ts: fires[f].before, cpu: fires[f].cpu };
      fqFlushTimeout(k, domain, fires[f].cpu);
      for (let j = from; j < k.events.length; j++) events.push(k.events[j]);
    }
    if (i === n) break;
    const s = steps[i];
    const from = k.events.length;
    k.meta = { ts: s.ts, cpu: s.cpu };
    if (s.kind === 'free') {
      queueIova(k, domain, s.pfn, s.pages);
      for (let j = from; j < k.events.length; j++) events.push(k.events[j]);
    } else s.decide(k);
  }
  return { state: k.state, events };
}
