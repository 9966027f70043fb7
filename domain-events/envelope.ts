import { type FieldKind, type InferFields, int, num, opt, str } from './schema.js';

/**
 * What every event carries besides its payload. All keys are always present (null when
 * unknown) so that every event of a type has the same shape.
 */
export const envelopeFields = {
  /** schema version of this event type when it was written (upcast on read) */
  v: int,
  /** position in the journal, 0-based, gap-free */
  seq: int,
  /** nanoseconds on the trace clock, when known */
  ts: opt(int),
  /** CPU that ran the operation, when known (required by per-CPU rcache / flush-queue events) */
  cpu: opt(int),
  /** provenance: trace file, scenario or workload file that produced the event */
  src: opt(str),
  /** provenance: 1-based line in `src` */
  line: opt(int),
  /** provenance: the command (kernel call) a decider was executing, e.g. "dma_map_sg" */
  cmd: opt(str),
  /** trace context: task name, pid and the 5 irq-flag characters */
  task: opt(str),
  pid: opt(int),
  irq: opt(str),
  /** how the event was attributed to its domain/device when the source did not say (ingest) */
  how: opt(str),
  /** confidence in that attribution, 0..1; null = stated by the source */
  conf: opt(num),
} as const satisfies Record<string, FieldKind>;

export type Envelope = InferFields<typeof envelopeFields>;

export const envelopeKeys = Object.keys(envelopeFields) as (keyof Envelope)[];

/** Envelope fields a producer may set; seq and v are filled in by the constructor and journal. */
export type Meta = Partial<Omit<Envelope, 'v' | 'seq'>>;

/**
 * An attribution below this confidence is shown as ambiguous (events, findings, the UI, the
 * import summary): among events attributed at or above it, at least 99.5 % land in the right
 * domain on the captures where the dma:* events give the answer (docs/attribution.md).
 */
export const CONFIDENT_AT = 0.9;

/** The event's domain was inferred and the inference is not confident. */
export function isAmbiguous(e: { readonly conf: number | null }): boolean {
  return e.conf !== null && e.conf < CONFIDENT_AT;
}

/**
 * `how` of an unmap whose mapping was made before the trace began (a trace that starts mid-run):
 * the journal never saw the range mapped, and that is not a hole.
 */
export const PRE_TRACE = 'pre-trace';
