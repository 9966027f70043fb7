// trace verify --blind: the dma:* events are hidden from attribution, which places every line as
// for a 6.1 trace; then each line is scored against the device its dma:* event names (the same
// claims the normal import reads). One code path with the normal import: only the window's
// visibility differs. The scores: how many map lines landed in the named device's domain, and the
// calibration of the confidence attribution gave them (among lines at CONFIDENT_AT or above, the
// share that is right).
import { CONFIDENT_AT } from '../../domain-events/index.js';
import { type BookDomain, type DomainBook } from './book.js';
import { DmaClaims } from './evidence/dma-event.js';
import { type EvidenceKind } from './evidence/kinds.js';
import { type Window } from './window.js';

/** trace events after which a trace cut mid-run is scored (its first lines have no history) */
export const WARMUP_EVENTS = 1000;

export interface BlindScore {
  /** map lines a dma:* event names the device of (scored) */
  blindMaps: number;
  /** of those, placed in that device's domain */
  blindCorrect: number;
  blindUnmaps: number;
  blindUnmapsCorrect: number;
  /**
   * map and unmap lines no dma:* event names a device for, not scored: an iommu_map() caller's
   * (VFIO's VFIO_IOMMU_MAP_DMA, iommufd), an MSI doorbell, a 7.x dma_iova_link; and how many of
   * them were placed in an UNMANAGED domain (where a caller's maps belong)
   */
  blindUnnamed: number;
  blindUnnamedInUnmanaged: number;
  /** scored map and unmap lines placed with confidence >= CONFIDENT_AT, and how many of them are right */
  blindConfident: number;
  blindConfidentCorrect: number;
  /** scored lines placed with confidence below it (shown as ambiguous) */
  blindAmbiguous: number;
  blindAmbiguousCorrect: number;
  /** map lines after the first WARMUP_EVENTS trace events (a trace cut mid-run) */
  blindMapsAfterWarmup: number;
  blindCorrectAfterWarmup: number;
  /** scored lines and right ones per deciding kind of evidence */
  blindByHow: Partial<Record<EvidenceKind, { lines: number; correct: number }>>;
  /** the same for the lines placed with confidence >= CONFIDENT_AT: which kinds make confident placements wrong */
  blindConfidentByHow: Partial<Record<EvidenceKind, { lines: number; correct: number }>>;
  /** binary log loss of "the placement is right" at the confidence given, summed over scored lines (bench/attribution-weights.ts) */
  blindLogLoss: number;
  /** the first lines placed in another domain than the named device's */
  firstMisplaced: { line: number; side: 'map' | 'unmap'; device: string; placedIn: number | null; conf: number; how: EvidenceKind | null }[];
}

export function newBlindScore(): BlindScore {
  return {
    blindMaps: 0,
    blindCorrect: 0,
    blindUnmaps: 0,
    blindUnmapsCorrect: 0,
    blindUnnamed: 0,
    blindUnnamedInUnmanaged: 0,
    blindConfident: 0,
    blindConfidentCorrect: 0,
    blindAmbiguous: 0,
    blindAmbiguousCorrect: 0,
    blindMapsAfterWarmup: 0,
    blindCorrectAfterWarmup: 0,
    blindByHow: {},
    blindConfidentByHow: {},
    blindLogLoss: 0,
    firstMisplaced: [],
  };
}

export class GroundTruth {
  private readonly claims = new DmaClaims();
  readonly score = newBlindScore();
  private records = 0;

  constructor(private readonly book: DomainBook) {}

  /** Every record at the head, in trace order (dma records feed the claims). */
  observe(w: Window, i: number): void {
    this.records++;
    this.claims.observe(w.at(i)!);
  }

  /** The device the dma:* events name for the line at i; call once per line, before its decision is scored. */
  truthOf(w: Window, i: number): string | null {
    const r = w.at(i)!;
    if (r.kind === 'map') return this.claims.mapDevice(w, i);
    if (r.kind === 'unmap') return this.claims.unmapDevice(w, i);
    return null;
  }

  /** A line no dma:* event names a device for was placed in `placed` (not scored: counted). */
  unnamed(placed: BookDomain | null): void {
    this.score.blindUnnamed++;
    if (placed?.type === 'UNMANAGED') this.score.blindUnnamedInUnmanaged++;
  }

  /** The line the dma:* events name `device` for was placed in `placed` (null: not placed). */
  scoreLine(line: number, side: 'map' | 'unmap', device: string, placed: BookDomain | null, conf: number, how: EvidenceKind | null): void {
    const truth = this.domainOf(device);
    const right = placed !== null && truth !== undefined && placed.id === truth.id;
    const s = this.score;
    if (!right && s.firstMisplaced.length < 20) s.firstMisplaced.push({ line, side, device, placedIn: placed?.id ?? null, conf: Math.round(conf * 1000) / 1000, how });
    if (side === 'map') {
      s.blindMaps++;
      if (right) s.blindCorrect++;
      if (this.records > WARMUP_EVENTS) {
        s.blindMapsAfterWarmup++;
        if (right) s.blindCorrectAfterWarmup++;
      }
    } else {
      s.blindUnmaps++;
      if (right) s.blindUnmapsCorrect++;
    }
    const p = Math.min(Math.max(conf, 1e-4), 1 - 1e-4);
    s.blindLogLoss -= Math.log(right ? p : 1 - p);
    if (conf >= CONFIDENT_AT) {
      s.blindConfident++;
      if (right) s.blindConfidentCorrect++;
    } else {
      s.blindAmbiguous++;
      if (right) s.blindAmbiguousCorrect++;
    }
    if (how) {
      const h = (s.blindByHow[how] ??= { lines: 0, correct: 0 });
      h.lines++;
      if (right) h.correct++;
      if (conf >= CONFIDENT_AT) {
        const c = (s.blindConfidentByHow[how] ??= { lines: 0, correct: 0 });
        c.lines++;
        if (right) c.correct++;
      }
    }
  }

  /** The DMA domain of a device, without creating anything (attribution must not learn from the truth). */
  private domainOf(device: string): BookDomain | undefined {
    const g = this.book.groupOf.get(device) ?? this.book.capture.groups.find((x) => x.devices.some((d) => d.name === device))?.id;
    if (g === undefined) return undefined;
    const d = this.book.defaultDomain.get(g);
    return d && (d.type === 'DMA' || d.type === 'DMA_FQ') ? d : undefined;
  }
}
