// The msgpack codec for blocks of events. A block is stored column by column: per envelope
// field and per (event type, payload field), with integers and 64-bit addresses as deltas from
// the previous value in their column and strings as indices into a per-column dictionary, then
// packed with msgpackr and deflated. Consecutive map/unmap events differ by a page or two, so
// this is what makes a journal a few bytes per event.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { eventDefs, type IommuEvent } from './catalog.js';
import { envelopeFields } from './envelope.js';
import { type FieldKind } from './schema.js';

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true, moreTypes: false });

const U64 = 1n << 64n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

type Column = unknown[] | { d: string[]; i: (number | null)[] };
/** How a column is stored: i = integer deltas, u = 64-bit deltas, s = dictionary, r = raw. */
type ColumnCode = 'i' | 'u' | 's' | 'r';

interface Block {
  n: number;
  /** seq of the first event; `seqs` when the block is not gap-free */
  s0: number;
  seqs?: number[];
  types: string[];
  ti: number[];
  env: Record<string, Column>;
  p: Record<string, Record<string, Column>>;
  /** per type and field, how the column is stored: blocks describe themselves, so a journal
   * written under an older schema still decodes and can then be upcast */
  k: Record<string, Record<string, ColumnCode>>;
}

function columnCode(kind: FieldKind): ColumnCode {
  const base = kind.k === 'opt' ? kind.of : kind;
  if (base.k === 'int' || base.k === 'u32') return 'i';
  if (base.k === 'u64') return 'u';
  if (base.k === 'str' || base.k === 'enum') return 's';
  return 'r';
}

function encodeColumn(code: ColumnCode, values: unknown[]): Column {
  switch (code) {
    case 'i': {
      let prev = 0;
      return values.map((v) => {
        if (v === null) return null;
        const d = (v as number) - prev;
        prev = v as number;
        return d;
      });
    }
    case 'u': {
      let prev = 0n;
      return values.map((v) => {
        if (v === null) return null;
        // what the decoder would refuse is refused here: a journal never holds an unreadable block
        if ((v as bigint) < 0n || (v as bigint) >= U64) throw new Error(`64-bit value ${String(v)} out of range`);
        let d = (v as bigint) - prev;
        prev = v as bigint;
        // small deltas travel as plain numbers (1–5 bytes), huge ones as int64; a jump across
        // more than half the 64-bit space (0xfffffffffffff000 then 0x1000) is stored modulo 2^64,
        // which the decoder undoes by wrapping
        if (d >= -9007199254740991n && d <= 9007199254740991n) return Number(d);
        if (d > INT64_MAX) d -= U64;
        else if (d < INT64_MIN) d += U64;
        return d;
      });
    }
    case 's': {
      const dict = new Map<string, number>();
      const d: string[] = [];
      const i = values.map((v) => {
        if (v === null) return null;
        let idx = dict.get(v as string);
        if (idx === undefined) {
          idx = d.length;
          dict.set(v as string, idx);
          d.push(v as string);
        }
        return idx;
      });
      return { d, i };
    }
    default:
      return values;
  }
}

function decodeColumn(code: ColumnCode, col: Column, n: number, where: string): unknown[] {
  if (code === 's') {
    if (Array.isArray(col) || !col || !Array.isArray(col.d) || !Array.isArray(col.i)) throw new Error(`${where}: bad string column`);
    if (col.i.length !== n) throw new Error(`${where}: ${col.i.length} values for ${n} events`);
    return col.i.map((x) => (x === null ? null : col.d[x]));
  }
  if (!Array.isArray(col) || col.length !== n) throw new Error(`${where}: column length does not match the event count`);
  if (code === 'i') {
    let prev = 0;
    return col.map((d) => {
      if (d === null) return null;
      prev += d as number;
      return prev;
    });
  }
  if (code === 'u') {
    let prev = 0n;
    return col.map((d) => {
      if (d === null) return null;
      prev += typeof d === 'bigint' ? d : BigInt(d as number);
      if (prev >= U64 && typeof d === 'bigint' && d > 0n) prev -= U64;
      else if (prev < 0n && typeof d === 'bigint' && d < 0n) prev += U64;
      // a journal whose bits were changed must not produce out-of-range addresses silently
      if (prev < 0n || prev >= 1n << 64n) throw new Error(`${where}: 64-bit value out of range`);
      return prev;
    });
  }
  if (code !== 'r') throw new Error(`${where}: unknown column code ${String(code)}`);
  return col;
}

export function encodeBlock(events: readonly IommuEvent[]): Uint8Array {
  const n = events.length;
  const s0 = n ? events[0].seq : 0;
  let gapFree = true;
  for (let i = 0; i < n; i++) if (events[i].seq !== s0 + i) gapFree = false;
  const types: string[] = [];
  const typeIdx = new Map<string, number>();
  const ti = new Array<number>(n);
  const byType = new Map<string, IommuEvent[]>();
  for (let i = 0; i < n; i++) {
    const e = events[i];
    let t = typeIdx.get(e.type);
    if (t === undefined) {
      t = types.length;
      typeIdx.set(e.type, t);
      types.push(e.type);
      byType.set(e.type, []);
    }
    ti[i] = t;
    byType.get(e.type)!.push(e);
  }
  const env: Record<string, Column> = {};
  for (const k in envelopeFields) {
    if (k === 'seq') continue;
    const kind = (envelopeFields as Record<string, FieldKind>)[k];
    env[k] = encodeColumn(columnCode(kind), events.map((e) => (e as unknown as Record<string, unknown>)[k]));
  }
  const p: Record<string, Record<string, Column>> = {};
  const codes: Record<string, Record<string, ColumnCode>> = {};
  for (const [type, list] of byType) {
    const def = eventDefs.get(type);
    if (!def) throw new Error(`cannot encode unknown event type ${type}`);
    const cols: Record<string, Column> = {};
    const kc: Record<string, ColumnCode> = {};
    for (const f in def.fields) {
      kc[f] = columnCode(def.fields[f]);
      try {
        cols[f] = encodeColumn(kc[f], list.map((e) => (e as unknown as Record<string, unknown>)[f]));
      } catch (err) {
        throw new Error(`cannot encode ${type}.${f}: ${(err as Error).message}`);
      }
    }
    p[type] = cols;
    codes[type] = kc;
  }
  const block: Block = { n, s0, types, ti, env, p, k: codes };
  if (!gapFree) block.seqs = events.map((e) => e.seq);
  return deflateRawSync(packr.pack(block), { level: 6 });
}

const ENV_KEYS = Object.keys(envelopeFields).filter((k) => k !== 'seq');
/** what a payload field may be called (a damaged block must not name __proto__ or worse) */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

type Builder = (type: string, seq: number, env: unknown[][], i: number, payload: unknown[][], j: number) => Record<string, unknown>;
const builders = new Map<string, Builder>();

/**
 * An object-literal constructor for one field list: every decoded event of a type gets its
 * properties in one go and in one order (type, seq, the envelope, the payload), so they share
 * one hidden class, instead of growing one property at a time (which was most of decoding).
 */
function builderFor(fields: readonly string[]): Builder {
  const key = fields.join('\u0000');
  let b = builders.get(key);
  if (!b) {
    const envPart = ENV_KEYS.map((k, n) => `${JSON.stringify(k)}: env[${n}][i]`).join(', ');
    const payPart = fields.map((f, n) => `${JSON.stringify(f)}: payload[${n}][j]`).join(', ');
    b = new Function('type', 'seq', 'env', 'i', 'payload', 'j', `return { "type": type, "seq": seq, ${envPart}${payPart ? ', ' + payPart : ''} };`) as Builder;
    builders.set(key, b);
  }
  return b;
}

/**
 * Decodes a block written by encodeBlock. Events come back in their stored schema version;
 * the journal reader upcasts and validates them. Throws an Error naming the broken part.
 */
export function decodeBlock(buf: Uint8Array): Record<string, unknown>[] {
  let block: Block;
  try {
    block = packr.unpack(inflateRawSync(buf)) as Block;
  } catch (err) {
    throw new Error(`block payload is not a deflated msgpack block (${(err as Error).message})`);
  }
  if (!block || typeof block !== 'object' || typeof block.n !== 'number' || !Array.isArray(block.ti) || !Array.isArray(block.types))
    throw new Error('block payload lacks n/types/ti');
  const n = block.n;
  if (block.ti.length !== n) throw new Error(`block: ${block.ti.length} type indices for ${n} events`);
  const envKeys = ENV_KEYS;
  const env: unknown[][] = new Array(envKeys.length);
  for (let k = 0; k < envKeys.length; k++) {
    const col = block.env?.[envKeys[k]] as Column | undefined;
    if (col === undefined) throw new Error(`block: envelope column ${envKeys[k]} missing`);
    env[k] = decodeColumn(columnCode((envelopeFields as Record<string, FieldKind>)[envKeys[k]]), col, n, `envelope.${envKeys[k]}`);
  }
  // events of one type, in block order
  const byType: number[][] = block.types.map(() => []);
  for (let i = 0; i < n; i++) {
    const t = block.ti[i];
    if (typeof block.types[t] !== 'string') throw new Error(`block event ${i}: bad type index`);
    byType[t].push(i);
  }
  const out: Record<string, unknown>[] = new Array(n);
  for (let t = 0; t < block.types.length; t++) {
    const idx = byType[t];
    if (idx.length === 0) continue;
    const type = block.types[t];
    const cols = block.p?.[type];
    const codes = block.k?.[type];
    if (!cols || !codes) throw new Error(`block: no payload columns for ${type}`);
    const fields = Object.keys(codes);
    for (const f of fields) if (!FIELD_NAME.test(f) || f === '__proto__') throw new Error(`block: bad field name ${JSON.stringify(f).slice(0, 40)} for ${type}`);
    const payload: unknown[][] = new Array(fields.length);
    for (let f = 0; f < fields.length; f++) {
      const col = cols[fields[f]];
      if (col === undefined) throw new Error(`block: column ${type}.${fields[f]} missing`);
      payload[f] = decodeColumn(codes[fields[f]], col, idx.length, `${type}.${fields[f]}`);
    }
    const make = builderFor(fields);
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j];
      out[i] = make(type, block.seqs ? block.seqs[i] : block.s0 + i, env, i, payload, j);
    }
  }
  return out;
}

/** msgpack with exact bigints, for snapshots and headers. */
export function packValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function unpackValue(buf: Uint8Array): unknown {
  return packr.unpack(buf);
}
