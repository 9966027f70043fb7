// Parsers by event name: iommu:*, dma:*, trace markers. Anything else is kept verbatim.
// FAMILIES read the kernel's text of an event; FIELD_FAMILIES read its fields by name (trace.dat
// records, and report lines printed as [FAILED TO PARSE]).
import { utf8 } from '../bytes.js';
import { dmaFieldFamily } from './dma-fields.js';
import { dmaFamily } from './dma.js';
import { type FieldDecoder } from './field-reader.js';
import { iommuFieldFamily, markerFieldFamily } from './iommu-fields.js';
import { type FamilyParser, iommuFamily } from './iommu.js';

/** tracefs prints a marker as `tracing_mark_write: TEXT` (the event name is the writer's symbol, %ps) */
const marker: FamilyParser = (f) => ({ kind: 'marker', text: f.text });

/** trace-cmd report prints it as event `print` with body `%ps: %s` (ftrace print fmt): the text is after the symbol */
const print: FamilyParser = (f) => {
  const b = f.buf;
  for (let i = f.start; i + 1 < f.end; i++) if (b[i] === 58 && b[i + 1] === 32) return { kind: 'marker', text: utf8(b, i + 2, f.end) };
  return { kind: 'marker', text: f.text };
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
