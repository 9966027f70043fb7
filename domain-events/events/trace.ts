// Facts that only a trace gives: faults, markers, gaps, and lines the model does not know.
import { defineEvent, type EventOfDef } from '../define.js';
import { int, opt, str, u64 } from '../schema.js';

export const PageFaulted = defineEvent(
  'PageFaulted',
  1,
  { device: str, driver: opt(str), iova: u64, flags: int, domain: opt(int) },
  'report_iommu_fault (trace io_page_fault); flags bit 0 = IOMMU_FAULT_WRITE',
);

export const MarkerWritten = defineEvent(
  'MarkerWritten',
  1,
  { text: str },
  'a trace_marker line (tracing_mark_write), used to cut a run into phases',
);

export const EventsLost = defineEvent(
  'EventsLost',
  1,
  { count: opt(int) },
  'the ring buffer dropped events on this CPU (CPU:N [LOST N EVENTS]); state after it is uncertain',
);

export const RawEventKept = defineEvent(
  'RawEventKept',
  1,
  { name: str, text: str },
  'a trace line the model does not interpret, kept verbatim',
);

export type PageFaulted = EventOfDef<typeof PageFaulted>;
export type MarkerWritten = EventOfDef<typeof MarkerWritten>;
export type EventsLost = EventOfDef<typeof EventsLost>;
export type RawEventKept = EventOfDef<typeof RawEventKept>;
