// One object that says what a state looks like: the `state` and `replay` commands print it.
import { activeIds, type State, stateHash } from '../reducers/index.js';
import { doorbellViews, type DoorbellView } from './doorbells.js';
import { iovaTreeView } from './iova-tree.js';
import { pageTableView } from './page-table.js';
import { type DeviceStats, deviceStats, domainIds, type DomainStats, domainStats } from './stats.js';

export interface StateSummary {
  readonly events: number;
  readonly lastSeq: number;
  readonly lastTs: number | null;
  readonly phase: string | null;
  readonly hash: string;
  readonly groups: number;
  readonly devices: readonly DeviceStats[];
  readonly domains: readonly (DomainStats & {
    tablePages: number;
    leafCounts: Readonly<Record<string, number>>;
    iovaFreePfns: number | null;
    fragmentationBelow4G: number | null;
  })[];
  readonly doorbells: readonly DoorbellView[];
  readonly ioasids: number;
  readonly pasids: number;
  readonly lostEvents: { readonly gaps: number; readonly events: number };
  readonly faults: number;
  readonly rawKept: number;
}

export function summarize(s: State): StateSummary {
  return {
    events: s.timeline.events,
    lastSeq: s.timeline.lastSeq,
    lastTs: s.timeline.lastTs,
    phase: s.timeline.phase?.text ?? null,
    hash: stateHash(s),
    groups: Object.keys(s.topology.groups).length,
    devices: deviceStats(s),
    domains: domainIds(s).map((id) => {
      const pt = s.pageTables.domains.get(id);
      const iov = s.iova.domains.get(id);
      const tv = iov ? iovaTreeView(iov) : null;
      const pv = pt ? pageTableView(pt) : null;
      return {
        ...domainStats(s, id),
        tablePages: pv?.tablePages ?? 0,
        leafCounts: pv?.leafCounts ?? {},
        iovaFreePfns: tv?.freePfns ?? null,
        fragmentationBelow4G: tv?.fragmentationBelow4G ?? null,
      };
    }),
    doorbells: doorbellViews(s),
    ioasids: activeIds(s.ioasid).size,
    pasids: s.ioasid.pasids.size,
    lostEvents: { gaps: s.timeline.lostGaps, events: s.timeline.lostEvents },
    faults: s.timeline.faults,
    rawKept: s.timeline.rawKept,
  };
}
