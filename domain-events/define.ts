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
    make(payload, meta) {
      // Envelope first, in a fixed order, so every event of a type has one hidden class.
      return {
        type,
        v: version,
        seq: -1,
        ts: meta?.ts ?? null,
        cpu: meta?.cpu ?? null,
        src: meta?.src ?? null,
        line: meta?.line ?? null,
        cmd: meta?.cmd ?? null,
        task: meta?.task ?? null,
        pid: meta?.pid ?? null,
        irq: meta?.irq ?? null,
        how: meta?.how ?? null,
        conf: meta?.conf ?? null,
        ...payload,
      } as unknown as EventOfDef<EventDef<T, R>>;
    },
  };
  return def;
}
