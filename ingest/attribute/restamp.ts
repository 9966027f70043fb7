// A copy of an event with its provenance replaced (time, source, line, how it was attributed and
// how sure), for the allocator events the mirror decided, which the journal records with the
// trace line that implied them. The copy is written as one object literal per event type (a
// function made from the type's field list), as the events' own constructors are: an object
// spread `{ ...e, ts, src, line, how, conf }` per allocator event cost more than deciding it.
import { envelopeKeys, eventDefs, type IommuEvent } from '../../domain-events/index.js';

type Restamp = (e: IommuEvent, ts: number | null, src: string | null, line: number | null, how: string | null, conf: number | null) => IommuEvent;

const REPLACED: Readonly<Record<string, string>> = { ts: 'ts', src: 'src', line: 'line', how: 'how', conf: 'conf' };
const restampers = new Map<string, Restamp>();

function restamperFor(type: string): Restamp {
  const def = eventDefs.get(type);
  if (!def) throw new Error(`cannot restamp an event of unknown type ${type}`);
  // the key order of the events' constructor (define.ts): type, the envelope, the payload
  const keys = ['type', ...envelopeKeys, ...Object.keys(def.fields)];
  const body = keys.map((k) => `${JSON.stringify(k)}: ${REPLACED[k] ?? `e[${JSON.stringify(k)}]`}`).join(', ');
  return new Function('e', 'ts', 'src', 'line', 'how', 'conf', `return { ${body} };`) as Restamp;
}

/** `e` with ts, src, line, how and conf replaced; every other field as it was. */
export function restamp(e: IommuEvent, ts: number | null, src: string | null, line: number | null, how: string | null, conf: number | null): IommuEvent {
  let f = restampers.get(e.type);
  if (f === undefined) {
    f = restamperFor(e.type);
    restampers.set(e.type, f);
  }
  return f(e, ts, src, line, how, conf);
}
