// The allocator's answer, as a last resort: when nothing else tells the candidates apart with
// confidence, the domains whose own allocator (the mirror) would have handed out this very IOVA
// for the request are likelier. Two domains' allocators that have diverged rarely agree. This is
// the one kind that selects a domain by the IOVA it is about to place: a map it moved away from
// the domain the evidence before the IOVA chose is counted as decided by the allocator alone
// (mapsByAllocatorOnly) and its prediction never as exact. Asked only for lines still ambiguous
// (one allocator decision per candidate domain is the costly part of an import).
import { type Ballot } from '../combine.js';
import { type MapQuery } from './scene.js';

export interface AllocatorOracle {
  /** the IOVA `domain`'s allocator would give `pages` pages now (null: no DMA domain, or none) */
  answer(domain: number, pages: number, cpu: number, ts: number): bigint | null;
  /** how often that allocator's answers have lately been the kernel's (a mirror that started mid-run knows little) */
  agreement(domain: number): number;
}

export function allocatorAgrees(q: MapQuery, b: Ballot, oracle: AllocatorOracle, pages: number): void {
  if (q.s.w.allocator <= 1) return;
  for (const d of b.cands) {
    if (d.type !== 'DMA' && d.type !== 'DMA_FQ') continue;
    // as strong as the mirror has shown itself right in that domain lately
    const a = oracle.agreement(d.id);
    if (a > 0 && oracle.answer(d.id, pages, q.r.at.cpu, q.r.at.ts) === q.r.iova) b.add('allocator', d.id, Math.log(1 - a + a * q.s.w.allocator));
  }
}
