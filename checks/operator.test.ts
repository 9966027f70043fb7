// Confidence: a finding is as certain as the least certain attribution it rests on, and less
// certain after lost events; an error that may be an attribution guess is only a warning.
import { describe, expect, it } from 'vitest';
import { DomainAllocated, EventsLost, type IommuEvent, Mapped } from '../domain-events/index.js';
import { runChecks } from './index.js';

const dom = DomainAllocated.make({ domain: 1, domainType: 'DMA', apertureStart: 0n, apertureEnd: (1n << 48n) - 1n, forceAperture: true, pgsizeBitmap: 0x1000n, fmt: 'VTD_SL', group: 1, parent: null, owner: 'default' });
const map = (conf: number | null) => Mapped.make({ domain: 1, iova: 0x10000n, paddr: 0x5000n, size: 0x1000n, prot: 3, leaves: null, warn: 0 }, { conf });

function overlap(events: IommuEvent[]): { severity: string; confidence: number } {
  const f = runChecks([events.map((e, i) => ({ ...e, seq: i }) as IommuEvent)], { only: ['iommu/map-over-live'] }).findings[0];
  return { severity: f.severity, confidence: f.confidence };
}

describe('finding confidence', () => {
  it('certain events give a certain error', () => expect(overlap([dom, map(null), map(null)])).toEqual({ severity: 'error', confidence: 1 }));

  it('the least certain attribution involved counts, the earlier map included', () => {
    expect(overlap([dom, map(0.9), map(null)])).toEqual({ severity: 'error', confidence: 0.9 });
    expect(overlap([dom, map(null), map(0.8)])).toEqual({ severity: 'error', confidence: 0.8 });
  });

  it('an error resting on a coin-flip attribution is reported as a warning', () => expect(overlap([dom, map(0.5), map(1)])).toEqual({ severity: 'warning', confidence: 0.5 }));

  it('lost events lower the confidence of every later finding', () => {
    expect(overlap([dom, EventsLost.make({ count: 3 }), map(null), map(null)])).toEqual({ severity: 'error', confidence: 0.7 });
    expect(overlap([dom, EventsLost.make({ count: 3 }), map(0.7), map(null)])).toEqual({ severity: 'warning', confidence: 0.49 });
  });
});
