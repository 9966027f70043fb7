// The layouts assumed for a bare report file are the ones the 6.12 kernel's formats state.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASSUMED_EVENTS, assumedDmaLayout } from './dma-layouts.js';
import { parseEventFormat } from './event-format.js';

const CAPTURES = ['fixtures/traces/x86-q35-vtd-tcg-612-dat', 'fixtures/traces/arm64-virt-smmuv3-strict-612'];

describe('assumed dma:* layouts (include/trace/events/dma.h 6.12)', () => {
  it.each(CAPTURES)('equal the captured formats of %s field for field, with the same dir and attrs tables', (capture) => {
    for (const event of ASSUMED_EVENTS) {
      const real = parseEventFormat(readFileSync(`${capture}/formats/${event}.format`, 'utf8'))!;
      const assumed = assumedDmaLayout(event)!;
      expect(assumed.fields).toEqual(real.fields);
      expect(assumed.common).toEqual(real.common);
      expect(assumed.symbols.get('dir')).toEqual(real.symbols.get('dir'));
      expect(assumed.symbols.get('attrs')).toEqual(real.symbols.get('attrs'));
    }
  });
  it('assumes nothing for an event the header does not define', () => {
    expect(assumedDmaLayout('dma_map_page')).toBeNull();
    expect(assumedDmaLayout('sched_switch')).toBeNull();
  });
});
