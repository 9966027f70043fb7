// Where a domain's live mappings sit in its IOVA space: lowest and highest mapped address, and
// how much of that span is mapped (dma-iommu allocates top-down from the 32-bit or 64-bit limit,
// so a healthy DMA domain shows a narrow band just under 4 GiB or under the aperture end).
import { type DomainPageTable, runEnd } from '../reducers/index.js';

export interface Placement {
  readonly domain: number;
  readonly lowest: bigint;
  readonly highestEnd: bigint;
  readonly mappedBytes: bigint;
  /** mapped bytes / span, 0..1 */
  readonly density: number;
}

export function placementOf(pt: DomainPageTable): Placement | null {
  const lo = pt.runs.minKey();
  const hi = pt.runs.maxKey();
  if (lo === undefined || hi === undefined) return null;
  const lowest = BigInt(lo) << 12n;
  const highestEnd = BigInt(runEnd(pt.runs.get(hi)!)) << 12n;
  const mappedBytes = BigInt(pt.mappedPages) << 12n;
  const span = highestEnd - lowest;
  return { domain: pt.domain, lowest, highestEnd, mappedBytes, density: span > 0n ? Number(mappedBytes) / Number(span) : 0 };
}
