// One guess per kernel-chosen map: the IOVA iommu_dma_alloc_iova would return for the request
// (domain, pages, DMA mask, allocator and flush-queue state), computed before the map line's IOVA
// is read, in the domain attribution chose without it. The DMA mask is the one learned from the
// device's earlier maps (64 bits until one showed otherwise). After the guess the mirror takes in
// the allocation the trace shows, in the domain the line was finally placed in: that is
// tracking, not predicting, and it may try sizes, masks and timer firings to stay in step.
import { type AllocatorMirror, type MirrorDevice, type Resolved } from './mirror.js';
import { type PredictionScore } from './score.js';

/** What the request says about the allocation: a doorbell, a coherent buffer, a streaming map (6.12 names the call), or unknown (6.1). */
export type CallKind = 'msi' | 'coherent' | 'streaming' | 'map';

export interface Request {
  /** the domain chosen without the line's IOVA */
  readonly domain: number;
  readonly device: MirrorDevice;
  /** IOVA pages of the allocation: the line and its continuation lines (the request's size) */
  readonly pages: number;
  readonly kind: CallKind;
  readonly cpu: number;
  readonly ts: number | null;
}

export interface Guess {
  readonly req: Request;
  readonly iova: bigint | null;
  readonly mask: number;
}

export class Predictor {
  /** per domain: how often its mirror's guess was the kernel's IOVA lately (a moving average) */
  private readonly agreement = new Map<number, number>();
  /** per domain: how much of the average is still the prior (1 before its first guess settles) */
  private readonly priorLeft = new Map<number, number>();
  /** the DMA mask each device's allocations of a kind were last seen to follow */
  private readonly masks = new Map<string, number>();
  /**
   * per domain and pause between the lines: how often map lines that continue each other at
   * consecutive IOVAs were one allocation (dma_map_sg) or several (dma_map_page calls the
   * allocator happened to place in order), as the allocations showed. Without dma:* events the
   * request does not say; one sg list's runs are mapped back to back, separate calls less so.
   */
  private readonly grouping = new Map<string, { one: number; several: number }>();

  constructor(
    readonly mirror: AllocatorMirror,
    readonly score: PredictionScore,
  ) {}

  has(domain: number): boolean {
    return this.mirror.has(domain);
  }

  /**
   * The pages of the request a map line starts: `run` when its continuation lines are one
   * operation, else `single`. `stated`: a dma:* event delimits the operation (6.12+); without it,
   * the domain's allocations so far decide.
   */
  requestPages(domain: number, run: number, single: number, stated: boolean, gapNs: number | null, unmapPages: number | null): number {
    // the unmap at the line's IOVA frees the allocation that starts there, whole (dma-iommu.c
    // (6.1, 6.12) __iommu_dma_unmap frees the one IOVA allocation it unmaps): an unmap longer
    // than the run says the run was read short (iommu_dma_map_sg allocates the whole list before
    // its first iommu_map, and the mapping paused longer than RUN_GAP_NS inside it). Only where a
    // dma:* event states the call: without it the unmap at the same IOVA may be another domain's
    // or another call's (taken so, blind placement on the heavy capture fell from 92.7 % to 89.9 %)
    if (stated && unmapPages !== null && unmapPages > run) return unmapPages;
    if (stated || run === single) return run;
    // and an unmap shorter than the run: its size is the allocation's, though the lines
    // contiguous after it run on (later calls the allocator placed above it)
    if (unmapPages !== null && unmapPages >= single && unmapPages <= run) return unmapPages;
    const g = this.grouping.get(groupingKey(domain, gapNs));
    return g && g.several > g.one ? single : run;
  }

  guess(req: Request): Guess {
    const mask = this.masks.get(maskKey(req.device, req.kind)) ?? 64;
    const p = this.mirror.predict(req.domain, req.device, req.pages, mask, req.cpu, req.ts);
    return { req, iova: p.iova, mask };
  }

  /**
   * The map line was placed in `domain` at `iova`. Scores the guess (if one was made) and brings
   * the mirror in line with the trace. `allocatorOnly`: only the allocator's answer decided the
   * domain, so the guess cannot count.
   */
  settle(g: Guess | null, domain: number, device: MirrorDevice, kind: CallKind, run: number, single: number, gapNs: number | null, iova: bigint, line: number, cpu: number, ts: number | null, allocatorOnly: boolean, sure = false): number {
    const key = maskKey(device, kind);
    const learned = this.masks.get(key) ?? 64;
    const first = g?.req.pages ?? run;
    // iommu_map maps within one allocation (dma-iommu.c (6.1, 6.12) __iommu_dma_map,
    // iommu_dma_map_sg): the allocation holds at least the line's own pages
    const sizes = [...new Set([first, run, single])].filter((n) => n >= single);
    const masks = learned === 64 ? [64, 32] : [learned, 64, 32];
    const got = this.mirror.resolve(domain, device, iova, sizes, masks, cpu, ts, sure);
    if (got) this.masks.set(key, got.mask);
    if (got && run !== single) {
      const key = groupingKey(domain, gapNs);
      const c = this.grouping.get(key) ?? { one: 0, several: 0 };
      if (got.pages === run) c.one++;
      else if (got.pages === single) c.several++;
      this.grouping.set(key, c);
    }
    // nothing gave the IOVA: the mirror entered the first size tried (mirror.force), so that is what the run holds
    const allocated = got?.pages ?? first;
    if (!g) return allocated;
    if (allocatorOnly) this.score.byAllocatorOnly++;
    const hit = !allocatorOnly && g.req.domain === domain && g.iova === iova;
    if (g.req.domain === domain) {
      this.agreement.set(domain, (this.agreement.get(domain) ?? 0) * (1 - AGREEMENT_RATE) + (g.iova === iova ? AGREEMENT_RATE : 0));
      this.priorLeft.set(domain, (this.priorLeft.get(domain) ?? 1) * (1 - AGREEMENT_RATE));
    }
    const why = hit ? '' : this.why(g, domain, got, allocatorOnly);
    this.score.guessed(line, iova, g.iova, hit, why);
    const found = why === ENTERED_AS_FOUND ? this.mirror.foundIn(domain) : null;
    if (found !== null) this.score.enteredAsFound(found);
    return allocated;
  }

  private why(g: Guess, domain: number, got: Resolved | null, allocatorOnly: boolean): string {
    if (allocatorOnly) return 'only the allocator told the domain apart (not counted)';
    if (g.req.domain !== domain) return 'predicted in another domain than the line was placed in';
    if (g.iova === null) return 'the model found no free IOVA';
    if (got && got.mask !== g.mask) return `the allocation followed a ${got.mask}-bit DMA mask, ${g.mask} bits were learned`;
    if (got && got.pages !== g.req.pages) return `the allocation was ${got.pages} pages, the request read ${g.req.pages}`;
    if (!this.mirror.isLazy(domain)) return 'the model chose another IOVA';
    if (!got) return ENTERED_AS_FOUND;
    if (got.via === 'retro') return 'lazy: the flush-queue timer fired where no kept hypothesis had it (placed after the fact)';
    if (got.via === 'phantoms') return "lazy: the allocating CPU's rcache held IOVAs the kernel's did not (phantoms)";
    if (got.timer) return "lazy: a less probable hypothesis of the flush-queue timer's firing gave it";
    return 'lazy: the most probable hypothesis gave it, the weighted vote of the hypotheses another';
  }

  /**
   * how often the domain's mirror has lately given the kernel's IOVA: the moving average started
   * at `prior` (0: a mirror that has not shown it knows nothing; a domain the trace shows from its
   * creation starts with an allocator known to be empty)
   */
  agreementOf(domain: number, prior = 0): number {
    return (this.agreement.get(domain) ?? 0) + prior * (this.priorLeft.get(domain) ?? 1);
  }

  callerChosen(): void {
    this.score.callerChosen();
  }
}

/** the pause before the next run, in buckets: up to 1, 2, 5 µs, longer */
function groupingKey(domain: number, gapNs: number | null): string {
  const g = gapNs ?? 0;
  return `${domain}/${g <= 1000 ? 0 : g <= 2000 ? 1 : g <= 5000 ? 2 : 3}`;
}

/** the miss reason of a lazy allocation no hypothesis gave: the mirror entered it as found */
const ENTERED_AS_FOUND = "lazy: no timer firing the model can place, nor the CPU's rcache without phantoms, gives the kernel's IOVA (entered as found)";

/** weight of the newest allocation in a domain's agreement (about the last 50 count) */
const AGREEMENT_RATE = 0.02;

function maskKey(d: MirrorDevice, kind: CallKind): string {
  return `${d.name}/${kind}`;
}
