// The runs of one multi-run map (dma_map_sg, a coherent buffer): iommu_map_sg (iommu.c 6.1,
// 6.12) maps each physically contiguous run of one list back to back at consecutive IOVAs, in
// the caller's context. A run that starts where the last one of its context ended, inside the
// extent that first run began, is the same operation: same domain, same confidence.
import { type BookDomain } from '../book.js';
import { type MapRecord } from '../window.js';
import { type Scene, type Settled } from './scene.js';

interface Open {
  readonly domain: BookDomain;
  readonly conf: number;
  /** where the next run must start */
  next: bigint;
  /** where the operation's extent ends */
  readonly end: bigint;
}

export class Continuations {
  private readonly open = new Map<string, Open>();

  /** The line at i continues its context's open operation. */
  continues(s: Scene, i: number, r: MapRecord): Settled | null {
    const o = this.open.get(ctx(r));
    if (!o || r.iova !== o.next || r.iova >= o.end) return null;
    // a run over live pages of that domain is a new allocation that happens to follow
    if (s.live.blocker(o.domain.id, Number(r.iova >> 12n), Number((r.size + 0xfffn) >> 12n))) return null;
    o.next = r.iova + r.size;
    return { domain: o.domain, conf: o.conf, how: 'continuation' };
  }

  /** A map line that starts an operation of `pages` pages was placed. */
  started(r: MapRecord, domain: BookDomain, conf: number, pages: number): void {
    const end = r.iova + BigInt(pages) * 0x1000n;
    if (pages * 0x1000 > Number(r.size)) this.open.set(ctx(r), { domain, conf, next: r.iova + r.size, end });
    else this.open.delete(ctx(r));
  }

  /** Any other line of the context ends its open operation (a completion's unmap does not). */
  interrupted(r: { at: { pid: number; cpu: number } }): void {
    this.open.delete(ctx(r));
  }
}

function ctx(r: { at: { pid: number; cpu: number } }): string {
  return `${r.at.pid}/${r.at.cpu}`;
}
