// The allocator's answer, as a last resort: when nothing else tells the candidates apart with
// confidence, the domains whose own allocator (the mirror) would have handed out this very IOVA
// for the request are likelier. Two domains' allocators that have diverged rarely agree. This is
// the one kind that selects a domain by the IOVA it is about to place: a map it moved away from
// the domain the evidence before the IOVA chose is counted as decided by the allocator alone
// (mapsByAllocatorOnly) and its prediction never as exact. Asked only for lines still ambiguous
// (one allocator decision per candidate domain is the costly part of an import).
//
// How right a mirror is starts from what is known of its domain: one the trace shows from its
// creation (its add/attach lines) has an allocator known to be empty until the trace shows it
// used (iova.c (6.1, 6.12) init_iova_domain: only the anchor node), so its first answers are the
// kernel's; one found mid-run may hold allocations from before the trace, its mirror knows nothing
// until its answers show otherwise. That is what tells the domains apart at boot, where every
// driver's first allocations come one after another: a domain that already holds a ring gives the
// next IOVA below it, a fresh one the top.
import { type Ballot } from '../combine.js';
import { type IovaReuse } from './iova-reuse.js';
import { type MapQuery } from './scene.js';

/** What the line asks the allocator for, as the prediction reads it (predictor.ts requestPages). */
export interface AllocatorRequest {
  /** pages of the line and the lines contiguous after it */
  readonly run: number;
  /** pages of the line alone */
  readonly single: number;
  /** the pause before its first continuation line (null: none) */
  readonly gapNs: number | null;
  /** the pages its unmap frees, if seen in the window (the allocation, whole) */
  readonly unmapPages: number | null;
}

export interface AllocatorOracle {
  /** the IOVA `domain`'s allocator would give the request now (null: no DMA domain, or none) */
  answer(domain: number, req: AllocatorRequest, cpu: number, ts: number): bigint | null;
  /** how often that allocator's answers have lately been the kernel's, the average started at `prior` */
  agreement(domain: number, prior: number): number;
}

export function allocatorAgrees(q: MapQuery, b: Ballot, oracle: AllocatorOracle, reuse: IovaReuse, req: AllocatorRequest): void {
  if (q.s.w.allocator <= 1) return;
  const freedIn = reuse.lastFreedIn(q.r.iova);
  for (const d of b.cands) {
    if (d.type !== 'DMA' && d.type !== 'DMA_FQ') continue;
    // as strong as the mirror has shown itself right in that domain lately
    const known = d.fromStart && (freedIn === null || freedIn === d.id);
    const a = oracle.agreement(d.id, known ? q.s.w.allocatorFromStart : 0);
    if (a > 0 && oracle.answer(d.id, req, q.r.at.cpu, q.r.at.ts) === q.r.iova) b.add('allocator', d.id, Math.log(1 - a + a * q.s.w.allocator));
  }
}
