// The msgpack codec for blocks of events. A block is stored column by column: per envelope
// field and per (event type, payload field), with integers and 64-bit addresses as deltas from
// the previous value in their column and strings as indices into a per-column dictionary, then
// packed with msgpackr and deflated. Consecutive map/unmap events differ by a page or two, so
// this is what makes a journal a few bytes per event.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { eventDefs, type IommuEvent } from './catalog.js';
import { envelopeFields } from './envelope.js';
import { MsgpackWriter } from './msgpack-writer.js';
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
  if (code === 'u') return decodeU64Column(col, n, where);
  if (code !== 'r') throw new Error(`${where}: unknown column code ${String(code)}`);
  return col;
}

/**
 * A 'u' column back to absolute values. While the running value and the deltas stay below 2^53
 * (almost every address) the sum is taken in doubles, where it is exact, and one bigint is made
 * per value; a bigint delta, or a value at or past 2^53, goes through bigint arithmetic (the
 * writer's wrap-around at 2^64 included). A seek decodes a block per restore: three bigints a
 * value were a third of what decoding a block allocated.
 */
function decodeU64Column(col: unknown[], n: number, where: string): (bigint | null)[] {
  const out: (bigint | null)[] = new Array(n);
  let prev = 0n;
  let prevNum = 0;
  let exact = true;
  for (let j = 0; j < n; j++) {
    const d = col[j];
    if (d === null) {
      out[j] = null;
      continue;
    }
    if (exact && typeof d === 'number') {
      const x = prevNum + d;
      // doubles are exact here: |prevNum|, |d| < 2^53 and the sum checked below 2^53 before use
      if (Number.isSafeInteger(d) && x >= 0 && x <= Number.MAX_SAFE_INTEGER) {
        prevNum = x;
        out[j] = prev = BigInt(x);
        continue;
      }
    }
    if (exact) prev = BigInt(prevNum);
    prev += typeof d === 'bigint' ? d : BigInt(d as number);
    if (prev >= U64 && typeof d === 'bigint' && d > 0n) prev -= U64;
    else if (prev < 0n && typeof d === 'bigint' && d < 0n) prev += U64;
    // a journal whose bits were changed must not produce out-of-range addresses silently
    if (prev < 0n || prev >= U64) throw new Error(`${where}: 64-bit value out of range`);
    exact = prev <= U64_SAFE;
    prevNum = exact ? Number(prev) : 0;
    out[j] = prev;
  }
  return out;
}

/** Encodes a block of events: its columns as msgpack (packBlock), deflated. */
export function encodeBlock(events: readonly IommuEvent[]): Uint8Array {
  writeBlock(events);
  return deflateRawSync(writer.bytes(), { level: BLOCK_DEFLATE_LEVEL });
}

/** The deflate level of event blocks (a journal's blocks are read far more often than written). */
export const BLOCK_DEFLATE_LEVEL = 6;

/**
 * A block's columns as msgpack, not yet deflated (what encodeBlock deflates): for a writer that
 * compresses elsewhere (another thread). The bytes are the caller's.
 */
export function packBlock(events: readonly IommuEvent[]): Uint8Array {
  writeBlock(events);
  return writer.bytes().slice();
}

const writer = new MsgpackWriter();
const U64_SAFE = 9007199254740991n;

/**
 * Writes the Block object below (n, s0, types, ti, env, p, k, then seqs when there are gaps) as
 * msgpackr would pack it, column by column straight from the events: the same bytes, without
 * building the columns as arrays and objects first.
 */
function writeBlock(events: readonly IommuEvent[]): void {
  const n = events.length;
  const s0 = n ? events[0].seq : 0;
  let gapFree = true;
  for (let i = 0; i < n; i++) if (events[i].seq !== s0 + i) gapFree = false;
  const types: string[] = [];
  const typeIdx = new Map<string, number>();
  const ti = new Array<number>(n);
  const count: number[] = [];
  for (let i = 0; i < n; i++) {
    const type = events[i].type;
    let t = typeIdx.get(type);
    if (t === undefined) {
      if (!eventDefs.has(type)) throw new Error(`cannot encode unknown event type ${type}`);
      t = types.length;
      typeIdx.set(type, t);
      types.push(type);
      count.push(0);
    }
    ti[i] = t;
    count[t]++;
  }
  // the events' indices grouped by type, in block order within a type (a counting sort):
  // type t's are order[start[t] .. start[t + 1])
  const start = new Array<number>(types.length + 1);
  start[0] = 0;
  for (let t = 0; t < types.length; t++) start[t + 1] = start[t] + count[t];
  const order = scratch(0, n);
  for (let t = 0; t < types.length; t++) count[t] = start[t];
  for (let i = 0; i < n; i++) order[count[ti[i]]++] = i;

  const w = writer;
  w.reset();
  w.mapHead(gapFree ? 7 : 8);
  w.str('n');
  w.num(n);
  w.str('s0');
  w.num(s0);
  w.str('types');
  w.arrayHead(types.length);
  for (const t of types) w.str(t);
  w.str('ti');
  w.arrayHead(n);
  for (let i = 0; i < n; i++) w.num(ti[i]);
  w.str('env');
  w.mapHead(ENV_KEYS.length);
  for (let k = 0; k < ENV_KEYS.length; k++) {
    w.str(ENV_KEYS[k]);
    extractorFor(ENV_KEYS[k])(events, null, 0, n, values);
    writeColumn(w, ENV_CODES[k], values, n, '');
  }
  w.str('p');
  w.mapHead(types.length);
  for (let t = 0; t < types.length; t++) {
    const def = eventDefs.get(types[t])!;
    const m = start[t + 1] - start[t];
    w.str(types[t]);
    const fields = Object.keys(def.fields);
    w.mapHead(fields.length);
    for (const f of fields) {
      w.str(f);
      extractorFor(f)(events, order, start[t], m, values);
      writeColumn(w, columnCode(def.fields[f]), values, m, `${types[t]}.${f}`);
    }
  }
  w.str('k');
  w.mapHead(types.length);
  for (const type of types) {
    const def = eventDefs.get(type)!;
    w.str(type);
    const fields = Object.keys(def.fields);
    w.mapHead(fields.length);
    for (const f of fields) {
      w.str(f);
      w.str(columnCode(def.fields[f]));
    }
  }
  if (!gapFree) {
    w.str('seqs');
    w.arrayHead(n);
    for (let i = 0; i < n; i++) w.num(events[i].seq);
  }
  values.length = 0;
}

/** the column being written, reused */
const values: unknown[] = [];
/** reused index arrays (a typed array costs a runtime call to make) */
const scratchArrays = [new Int32Array(4096), new Int32Array(4096)];
function scratch(k: number, n: number): Int32Array {
  if (scratchArrays[k].length < n) scratchArrays[k] = new Int32Array(Math.max(n, scratchArrays[k].length * 2));
  return scratchArrays[k];
}

type Extract = (events: readonly IommuEvent[], order: Int32Array | null, from: number, n: number, out: unknown[]) => void;
const extractors = new Map<string, Extract>();

/**
 * Copies one field of the events (all, or the n at order[from..]) into `out`: a function per
 * field name with a named property load, not a keyed load per value (the field is code, not data).
 */
function extractorFor(field: string): Extract {
  let x = extractors.get(field);
  if (x === undefined) {
    const key = JSON.stringify(field);
    x = new Function(
      'events',
      'order',
      'from',
      'n',
      'out',
      `if (order === null) for (let j = 0; j < n; j++) out[j] = events[j][${key}]; else for (let j = 0; j < n; j++) out[j] = events[order[from + j]][${key}];`,
    ) as Extract;
    extractors.set(field, x);
  }
  return x;
}

/** encodeColumn's column, written (`where` names the field in an error) */
function writeColumn(w: MsgpackWriter, code: ColumnCode, vals: unknown[], n: number, where: string): void {
  switch (code) {
    case 'i': {
      w.arrayHead(n);
      let prev = 0;
      for (let j = 0; j < n; j++) {
        const v = vals[j];
        if (v === null) {
          w.nil();
          continue;
        }
        const d = (v as number) - prev;
        prev = v as number;
        w.num(d);
      }
      return;
    }
    case 'u':
      return writeU64Column(w, vals, n, where);
    case 's': {
      const dict = new Map<unknown, number>();
      const d: unknown[] = [];
      const at = scratch(1, n);
      // neighbours mostly share a value (one task, one file): ask the map only when it changes
      let last: unknown = undefined;
      let lastAt = -1;
      for (let j = 0; j < n; j++) {
        const v = vals[j];
        if (v === null) {
          at[j] = -1;
          continue;
        }
        if (v !== last) {
          let x = dict.get(v);
          if (x === undefined) {
            x = d.length;
            dict.set(v, x);
            d.push(v);
          }
          last = v;
          lastAt = x;
        }
        at[j] = lastAt;
      }
      w.mapHead(2);
      w.str('d');
      w.arrayHead(d.length);
      for (const v of d) w.value(v);
      w.str('i');
      w.arrayHead(n);
      for (let j = 0; j < n; j++) {
        if (at[j] < 0) w.nil();
        else w.num(at[j]);
      }
      return;
    }
    default:
      w.arrayHead(n);
      for (let j = 0; j < n; j++) w.value(vals[j]);
  }
}

/**
 * encodeColumn's 'u' column: deltas of values below 2^53 as numbers (computed in doubles, which
 * is exact there), the rest through bigint arithmetic.
 */
function writeU64Column(w: MsgpackWriter, vals: unknown[], n: number, where: string): void {
  w.arrayHead(n);
  let prev = 0n;
  let prevNum = 0;
  for (let j = 0; j < n; j++) {
    const v = vals[j];
    if (v === null) {
      w.nil();
      continue;
    }
    if ((v as bigint) < 0n || (v as bigint) >= U64) throw new Error(`cannot encode ${where}: 64-bit value ${String(v)} out of range`);
    if (typeof v === 'bigint' && v <= U64_SAFE && prev <= U64_SAFE) {
      const x = Number(v);
      w.num(x - prevNum);
      prev = v;
      prevNum = x;
      continue;
    }
    let d = (v as bigint) - prev;
    prev = v as bigint;
    prevNum = prev <= U64_SAFE ? Number(prev) : 0;
    if (d >= -U64_SAFE && d <= U64_SAFE) w.num(Number(d));
    else {
      if (d > INT64_MAX) d -= U64;
      else if (d < INT64_MIN) d += U64;
      w.bigint(d);
    }
  }
}

const ENV_KEYS = Object.keys(envelopeFields).filter((k) => k !== 'seq');
const ENV_CODES = ENV_KEYS.map((k) => columnCode((envelopeFields as Record<string, FieldKind>)[k]));
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
  let packed: Uint8Array;
  try {
    packed = inflateRawSync(buf);
  } catch (err) {
    throw new Error(`block payload is not a deflated msgpack block (${(err as Error).message})`);
  }
  return decodePackedBlock(packed);
}

/** Decodes what packBlock wrote (a block before deflate). */
export function decodePackedBlock(packed: Uint8Array): Record<string, unknown>[] {
  let block: Block;
  try {
    block = packr.unpack(packed) as Block;
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
