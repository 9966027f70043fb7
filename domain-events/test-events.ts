// Small constructors for tests and fixtures: events with the envelope filled in.
import { type IommuEvent } from './catalog.js';
import { DomainAllocated } from './events/topology.js';
import { Mapped, Unmapped } from './events/mapping.js';
import { stampSeq } from './stamp.js';

export function domainAllocated(domain: number, pgsizeBitmap = 0x40201000n): IommuEvent {
  return DomainAllocated.make({
    domain,
    domainType: 'DMA',
    apertureStart: 0n,
    apertureEnd: (1n << 48n) - 1n,
    forceAperture: true,
    pgsizeBitmap,
    fmt: 'ARM_64_LPAE_S1',
    group: null,
    parent: null,
    owner: 'default',
  });
}

export function mapped(domain: number, iova: bigint, paddr: bigint, size: bigint): IommuEvent {
  return Mapped.make({ domain, iova, paddr, size, prot: 3, leaves: null, warn: 0 });
}

export function unmapped(domain: number, iova: bigint, size: bigint, unmappedSize = size): IommuEvent {
  return Unmapped.make({ domain, iova, size, unmappedSize, warn: 0 });
}

/** Stamps seq 0.. on a list of events and returns it. */
export function journalOf(events: IommuEvent[]): IommuEvent[] {
  stampSeq(events, 0);
  return events;
}
