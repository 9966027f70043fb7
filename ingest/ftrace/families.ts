// Parsers by event name: iommu:*, dma:*, trace markers. Anything else is kept verbatim.
import { dmaFamily } from './dma.js';
import { type FamilyParser, iommuFamily } from './iommu.js';

const marker: FamilyParser = (body) => ({ ok: true, record: { kind: 'marker', text: body } });

export const FAMILIES: ReadonlyMap<string, FamilyParser> = new Map<string, FamilyParser>([
  ...Object.entries(iommuFamily),
  ...Object.entries(dmaFamily),
  ['tracing_mark_write', marker],
  ['print', marker],
]);
