// Old journals keep loading after a schema change: an upcaster turns a raw event of
// (type, version) into the shape of version + 1. Registered once, applied in order on read.

export type RawEvent = Record<string, unknown> & { type: string; v: number };
export type Upcaster = (e: RawEvent) => RawEvent;

const upcasters = new Map<string, Upcaster>();

const key = (type: string, from: number) => `${type}@${from}`;

export function registerUpcaster(type: string, fromVersion: number, fn: Upcaster): void {
  const k = key(type, fromVersion);
  if (upcasters.has(k)) throw new Error(`upcaster for ${type} v${fromVersion} registered twice`);
  upcasters.set(k, fn);
}

/** Brings `raw` to `target`; throws when a step is missing (names type and versions). */
export function upcast(raw: RawEvent, target: number): RawEvent {
  let e = raw;
  while (e.v < target) {
    const fn = upcasters.get(key(e.type, e.v));
    if (!fn) throw new Error(`${e.type}: no upcaster from schema v${e.v} to v${e.v + 1} (current v${target})`);
    const next = fn(e);
    if (next.v !== e.v + 1) throw new Error(`${e.type}: upcaster from v${e.v} produced v${next.v}`);
    e = next;
  }
  return e;
}

/** For tests: forget an upcaster. */
export function unregisterUpcaster(type: string, fromVersion: number): void {
  upcasters.delete(key(type, fromVersion));
}
