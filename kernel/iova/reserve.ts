// reserve_iova (iova.c, 6.1 = 6.12): carve [pfnLo, pfnHi] out of the allocator. Overlapped nodes
// are stretched down in place (__adjust_overlap_range) and only the part above the last one
// becomes a new node; the cached-node hints and max32_alloc_size are left alone.
import { IovaRangeReserved } from '../../domain-events/index.js';
import { type IovaCtx, MAX_PFN } from './ctx.js';

export interface ReserveResult {
  readonly ok: boolean;
  readonly pfnLo: number | null;
  readonly pfnHi: number | null;
}

export function reserveIova(ctx: IovaCtx, reqLo: number, reqHi: number, reason: string): ReserveResult {
  const d = ctx.d;
  const shift = Math.log2(d.granule);
  // iova.c: WARN and NULL for pfns beyond ULLONG_MAX >> iova_shift; the model's own bound is 2^53
  const maxPfn = Math.min(MAX_PFN, 2 ** (64 - shift) - 1);
  if (reqLo > maxPfn || reqHi > maxPfn) {
    ctx.emit(
      IovaRangeReserved.make(
        { domain: ctx.domain, pfnLo: Math.min(reqLo, MAX_PFN), pfnHi: Math.min(reqHi, MAX_PFN), ok: false, resultLo: null, resultHi: null, extended: [], inserted: null, reason },
        ctx.meta,
      ),
    );
    return { ok: false, pfnLo: null, pfnHi: null };
  }
  let lo = reqLo;
  const hi = reqHi;
  const extended: { from: number; to: number }[] = [];
  let result: { lo: number; hi: number } | null = null;
  // Nodes wholly below the request change nothing: start at the first one that can overlap.
  const before = d.nodes.lowerKey(lo);
  const start = before !== undefined && d.nodes.get(before)! >= lo ? before : lo;
  let overlap = false;
  d.nodes.forEachInRange(start, Number.MAX_SAFE_INTEGER, (nLo, nHi) => {
    if (lo <= nHi && hi >= nLo) {
      let newLo = nLo;
      if (lo < nLo) {
        newLo = lo;
        extended.push({ from: nLo, to: lo });
      }
      if (hi > nHi) lo = nHi + 1;
      if (lo >= newLo && hi <= nHi) {
        result = { lo: newLo, hi: nHi };
        return false;
      }
      overlap = true;
      return true;
    }
    return !overlap;
  });
  const inserted = result === null ? { pfnLo: lo, pfnHi: hi } : null;
  const r: { lo: number; hi: number } = result ?? { lo, hi };
  ctx.emit(
    IovaRangeReserved.make(
      { domain: ctx.domain, pfnLo: reqLo, pfnHi: reqHi, ok: true, resultLo: r.lo, resultHi: r.hi, extended, inserted, reason },
      ctx.meta,
    ),
  );
  return { ok: true, pfnLo: r.lo, pfnHi: r.hi };
}
