import { type State } from '../../reducers/index.js';
import { type CoreDomain } from '../core/iommu-map.js';

/** The core's view of a domain from the state (type, sizes). */
export function coreDomain(s: State, domain: number): CoreDomain {
  const d = s.topology.domains[domain];
  return { type: d?.type ?? 'UNMANAGED', pgsizeBitmap: d?.pgsizeBitmap ?? 0x1000n, hasMapOps: true };
}
