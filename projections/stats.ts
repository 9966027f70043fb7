// Per-domain and per-device statistics: the numbers a summary or a diff compares.
import { type State } from '../reducers/index.js';
import { rcachedPfns } from './iova-tree.js';

export interface DomainStats {
  readonly domain: number;
  readonly type: string;
  readonly owner: string;
  readonly freed: boolean;
  readonly devices: readonly string[];
  readonly mappedBytes: bigint;
  readonly peakMappedBytes: bigint;
  readonly maps: number;
  readonly unmaps: number;
  readonly iovaNodes: number;
  readonly iovaAllocs: number;
  readonly iovaFailures: number;
  readonly rcachedPfns: number;
  readonly doorbells: number;
  readonly fqQueued: number;
}

export interface DeviceStats {
  readonly device: string;
  readonly group: number | null;
  readonly domain: number | null;
  readonly dmaLive: number;
  readonly dmaLiveBytes: bigint;
  readonly dmaMaps: number;
  readonly dmaUnmaps: number;
  readonly dmaUnmatched: number;
}

export function domainIds(s: State): number[] {
  const ids = new Set<number>();
  for (const k of Object.keys(s.topology.domains)) ids.add(Number(k));
  s.pageTables.domains.forEach((k) => void ids.add(k));
  s.iova.domains.forEach((k) => void ids.add(k));
  for (const k of Object.keys(s.cookies.byDomain)) ids.add(Number(k));
  return [...ids].sort((a, b) => a - b);
}

export function domainStats(s: State, id: number): DomainStats {
  const t = s.topology.domains[id];
  const pt = s.pageTables.domains.get(id);
  const iov = s.iova.domains.get(id);
  const c = s.cookies.byDomain[id];
  return {
    domain: id,
    type: t?.type ?? 'unknown',
    owner: t?.owner ?? 'unknown',
    freed: t ? t.freedSeq !== null : false,
    devices: t?.devices ?? [],
    mappedBytes: BigInt(pt?.mappedPages ?? 0) << 12n,
    peakMappedBytes: BigInt(pt?.peakPages ?? 0) << 12n,
    maps: pt?.maps ?? 0,
    unmaps: pt?.unmaps ?? 0,
    iovaNodes: iov?.nodes.size ?? 0,
    iovaAllocs: iov?.allocs ?? 0,
    iovaFailures: iov?.failures ?? 0,
    rcachedPfns: iov ? rcachedPfns(iov) : 0,
    doorbells: c?.msiPages.length ?? 0,
    fqQueued: s.flushQueues.domains.get(id)?.queued ?? 0,
  };
}

export function deviceStats(s: State): DeviceStats[] {
  const names = new Set([...Object.keys(s.topology.devices), ...Object.keys(s.dmaApi.devices)]);
  return [...names].sort().map((name) => {
    const d = s.topology.devices[name];
    const dma = s.dmaApi.devices[name];
    return {
      device: name,
      group: d?.group ?? null,
      domain: d?.domain ?? null,
      dmaLive: dma?.count ?? 0,
      dmaLiveBytes: BigInt(dma?.liveBytes ?? 0),
      dmaMaps: dma?.maps ?? 0,
      dmaUnmaps: dma?.unmaps ?? 0,
      dmaUnmatched: dma?.unmatched ?? 0,
    };
  });
}
