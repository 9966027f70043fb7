// JSON form of events for JSONL interop: u64 values as "0x…" strings, so nothing is rounded.
import { eventDefs, type IommuEvent } from './catalog.js';
import { envelopeFields } from './envelope.js';
import { fieldFromJson, fieldToJson } from './schema.js';
import { validateEvent, type Validated } from './validate.js';

export function eventToJson(e: IommuEvent): Record<string, unknown> {
  const def = eventDefs.get(e.type)!;
  const rec = e as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: e.type };
  for (const k in envelopeFields) out[k] = rec[k];
  for (const k in def.fields) out[k] = fieldToJson(def.fields[k], rec[k]);
  return out;
}

/** Parses the JSON form (any schema version this tool can upcast) and validates it. */
export function eventFromJson(j: unknown): Validated {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return { ok: false, error: 'event: expected a JSON object' };
  const r = j as Record<string, unknown>;
  const def = typeof r.type === 'string' ? eventDefs.get(r.type) : undefined;
  if (!def) return validateEvent(r);
  const out: Record<string, unknown> = { type: r.type };
  for (const k in envelopeFields) out[k] = r[k] === undefined ? null : r[k];
  try {
    // Old versions may have other fields: convert only the ones the current schema knows, pass
    // the rest through for the upcaster.
    for (const k in r) {
      if (k === 'type' || k in envelopeFields) continue;
      out[k] = k in def.fields && r.v === def.version ? fieldFromJson(def.fields[k], r[k], `${r.type}.${k}`) : r[k];
    }
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  return validateEvent(out);
}

/** JSON.stringify that also accepts bigints (as "0x…"), for diagnostics and --json output. */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v));
}
