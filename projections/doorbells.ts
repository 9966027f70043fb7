// The doorbell view: per cookie, which MSI doorbell pages are reachable at which IOVA.
import { type State } from '../reducers/index.js';

export interface DoorbellView {
  readonly domain: number;
  readonly cookie: string;
  readonly msiBase: bigint | null;
  readonly msiNext: bigint | null;
  readonly doorbells: readonly { doorbell: bigint; iova: bigint; refcount: number; devices: readonly string[]; seq: number }[];
}

export function doorbellViews(s: State): DoorbellView[] {
  return Object.values(s.cookies.byDomain)
    .filter((c) => c.msiPages.length > 0 || c.kind !== 'dma')
    .sort((a, b) => a.domain - b.domain)
    .map((c) => ({
      domain: c.domain,
      cookie: c.kind,
      msiBase: c.msiBase,
      msiNext: c.msiNext,
      doorbells: c.msiPages.map((p) => ({ doorbell: p.doorbell, iova: p.iova, refcount: p.refcount, devices: p.devices, seq: p.seq })),
    }));
}
