import { type Envelope, type Meta } from './envelope.js';
import { type FieldKind, type InferFields } from './schema.js';

export interface EventDef<T extends string = string, R extends Record<string, FieldKind> = Record<string, FieldKind>> {
  readonly type: T;
  /** current schema version of this type */
  readonly version: number;
  readonly fields: R;
  /** one line in kernel terms: what happened */
  readonly doc: string;
  /** build an event of this type (seq is -1 until the journal stamps it) */
  make(payload: InferFields<R>, meta?: Meta): EventOfDef<EventDef<T, R>>;
}

export type EventOfDef<D> = D extends EventDef<infer T, infer R> ? Envelope & { readonly type: T } & InferFields<R> : never;

export function defineEvent<const T extends string, const R extends Record<string, FieldKind>>(
  type: T,
  version: number,
  fields: R,
  doc: string,
): EventDef<T, R> {
  const def: EventDef<T, R> = {
    type,
    version,
    fields,
    doc,
    make: makerFor(type, version, Object.keys(fields)) as EventDef<T, R>['make'],
  };
  return def;
}

type Maker = (payload: Record<string, unknown>, meta?: Meta) => Record<string, unknown>;

/**
 * The constructor of one event type: the envelope first, in a fixed order, then the payload's
 * fields in their schema order, written out as one object literal (a function made from the field
 * list), so every event of a type has one hidden class whatever order the producer listed its
 * fields in, the same one the journal decoder gives it, and is made in one allocation (a spread
 * of the payload was the costliest part of making an event).
 */
function makerFor(type: string, version: number, keys: readonly string[]): Maker {
  const payload = keys.map((k) => `${JSON.stringify(k)}: payload[${JSON.stringify(k)}]`).join(', ');
  return new Function(
    'type',
    'version',
    `return function make(payload, meta) {
      return { type, v: version, seq: -1, ts: meta?.ts ?? null, cpu: meta?.cpu ?? null, src: meta?.src ?? null, line: meta?.line ?? null, cmd: meta?.cmd ?? null, task: meta?.task ?? null, pid: meta?.pid ?? null, irq: meta?.irq ?? null, how: meta?.how ?? null, conf: meta?.conf ?? null${payload ? ', ' + payload : ''} };
    };`,
  )(type, version) as Maker;
}
