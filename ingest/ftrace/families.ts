// Parsers by event name: iommu:*, dma:*, trace markers. Anything else is kept verbatim.
// FAMILIES read the kernel's text of an event; FIELD_FAMILIES read its fields by name (trace.dat
// records, and report lines printed as [FAILED TO PARSE]).
import { dmaFieldFamily } from './dma-fields.js';
import { dmaFamily } from './dma.js';
import { type FieldDecoder } from './field-reader.js';
import { iommuFieldFamily, markerFieldFamily } from './iommu-fields.js';
import { type FamilyParser, iommuFamily } from './iommu.js';

/** tracefs prints a marker as `tracing_mark_write: TEXT` (the event name is the writer's symbol, %ps) */
const marker: FamilyParser = (body) => ({ ok: true, record: { kind: 'marker', text: body } });

/** trace-cmd report prints it as event `print` with body `%ps: %s` (ftrace print fmt): the text is after the symbol */
const print: FamilyParser = (body) => {
  const sep = body.indexOf(': ');
  return { ok: true, record: { kind: 'marker', text: sep < 0 ? body : body.slice(sep + 2) } };
};

export const FAMILIES: ReadonlyMap<string, FamilyParser> = new Map<string, FamilyParser>([
  ...Object.entries(iommuFamily),
  ...Object.entries(dmaFamily),
  ['tracing_mark_write', marker],
  ['print', print],
]);

export const FIELD_FAMILIES: ReadonlyMap<string, FieldDecoder> = new Map<string, FieldDecoder>([
  ...Object.entries(iommuFieldFamily),
  ...Object.entries(dmaFieldFamily),
  ...Object.entries(markerFieldFamily),
]);
