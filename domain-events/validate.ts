import { eventDefs, type IommuEvent } from './catalog.js';
import { envelopeFields } from './envelope.js';
import { checkFields } from './schema.js';
import { type RawEvent, upcast } from './upcast.js';

export type Validated = { ok: true; event: IommuEvent } | { ok: false; error: string };

/**
 * Checks an event object (already in memory form: bigints for u64) against the vocabulary.
 * Older schema versions are upcast first; newer ones are refused (written by a newer tool).
 */
export function validateEvent(raw: unknown): Validated {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'event: expected an object' };
  const r = raw as Record<string, unknown>;
  if (typeof r.type !== 'string') return { ok: false, error: 'type: missing or not a string' };
  const def = eventDefs.get(r.type);
  if (!def) return { ok: false, error: `type: unknown event type ${JSON.stringify(r.type)}` };
  if (typeof r.v !== 'number' || !Number.isInteger(r.v) || r.v < 0)
    return { ok: false, error: `${r.type}.v: expected a schema version (integer >= 0)` };
  if (r.v > def.version)
    return { ok: false, error: `${r.type}.v: schema v${r.v} is newer than this tool's v${def.version}` };
  let e: RawEvent = r as RawEvent;
  if (r.v < def.version) {
    try {
      e = upcast(e, def.version);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
  const envProblem = checkFields(envelopeFields, e, '');
  if (envProblem) return { ok: false, error: `${r.type}.${envProblem}` };
  const p = checkFields(def.fields, e, '');
  if (p) return { ok: false, error: `${r.type}.${p}` };
  for (const k in e) {
    if (k !== 'type' && !(k in envelopeFields) && !(k in def.fields)) return { ok: false, error: `${r.type}.${k}: unknown field` };
  }
  return { ok: true, event: e as unknown as IommuEvent };
}

/** Throws with the validation message; for producers that must never emit a bad event. */
export function assertEvent(raw: unknown): IommuEvent {
  const v = validateEvent(raw);
  if (!v.ok) throw new Error(`invalid event: ${v.error}`);
  return v.event;
}
