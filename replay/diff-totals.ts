// The totals `diff` compares: counted while the events stream by, and read from each run's end
// state through the projections (IOVA space, fragmentation, page-table pages, doorbells).
import { type IommuEvent } from '../domain-events/index.js';
import { doorbellViews, iovaTreeView, summarize } from '../projections/index.js';
import { type State } from '../reducers/index.js';

export class RunTotals {
  maps = 0;
  unmaps = 0;
  kernelErrors = 0;
  kernelWarnings = 0;
  private readonly mapIovas = new Set<bigint>();

  add(e: IommuEvent): void {
    switch (e.type) {
      case 'Mapped':
        this.maps++;
        this.mapIovas.add(e.iova);
        this.kernelWarnings += e.warn;
        break;
      case 'MapFailed':
        this.kernelErrors++;
        this.kernelWarnings += e.warn;
        break;
      case 'Unmapped':
        this.unmaps++;
        this.kernelWarnings += e.warn;
        break;
      case 'DmaApiCalled':
      case 'DmaIovaLinked':
      case 'MsiCookieGot':
      case 'SvaBound':
      case 'IoasAreaMapped':
      case 'IoasAreaUnmapped':
        if (e.errno !== null) this.kernelErrors++;
        break;
      default:
        break;
    }
  }

  /** name → value; every figure is a plain number so that deltas subtract */
  figures(end: State, events: number): Record<string, number> {
    const s = summarize(end);
    let allocated = 0;
    let cached = 0;
    let frag = 0;
    end.iova.domains.forEach((_, d) => {
      const v = iovaTreeView(d);
      allocated += v.allocatedPfns;
      cached += v.cachedPfns;
      frag = Math.max(frag, v.fragmentationBelow4G);
    });
    const live = s.domains.filter((d) => !d.freed);
    return {
      events,
      maps: this.maps,
      unmaps: this.unmaps,
      distinctMapIovas: this.mapIovas.size,
      // maps that landed on an IOVA an earlier map had used: the reuse strict mode allows at once
      iovaReuse: this.maps - this.mapIovas.size,
      iovaAllocatedPages: allocated,
      iovaRcachedPages: cached,
      fragmentationBelow4G: Math.round(frag * 1000) / 1000,
      pageTablePages: live.reduce((n, d) => n + d.tablePages, 0),
      mappedBytes: Number(live.reduce((n, d) => n + d.mappedBytes, 0n)),
      peakMappedBytes: Number(s.domains.reduce((n, d) => n + d.peakMappedBytes, 0n)),
      doorbells: doorbellViews(end).reduce((n, v) => n + v.doorbells.length, 0),
      msiUntranslated: end.cookies.untranslated,
      pasids: s.pasids + s.ioasids,
      faults: s.faults,
      // what CONFIG_DMA_API_DEBUG would flag at the end: unmaps of nothing mapped, mappings never unmapped
      dmaUnmatchedUnmaps: s.devices.reduce((n, d) => n + d.dmaUnmatched, 0),
      dmaLiveMappings: s.devices.reduce((n, d) => n + d.dmaLive, 0),
      kernelErrors: this.kernelErrors,
      kernelWarnings: this.kernelWarnings,
    };
  }
}
