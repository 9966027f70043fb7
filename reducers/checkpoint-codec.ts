// Compact checkpoint bodies: per slice its name, how it is stored and its bytes.
//
//   full  : every slice, in its compact form (the big slices: checkpoint-*.ts) or as msgpack
//           of its snapshot() (the small ones, or one holding a value the compact form cannot
//           carry exactly)
//   delta : against an earlier state (the base): a slice the state shares with the base is one
//           byte; a big slice that changed writes only what changed (PMap leaves the two
//           versions share are skipped, pmap-diff.ts); the rest are written whole
//
// A delta restores as base + changes: O(changes × log n), not a replay of the events between.
import { packValue, unpackValue } from '../domain-events/index.js';
import { ByteReader, ByteWriter, NotEncodable } from './bytes.js';
import { sliceTable, type State } from './root.js';
import { type Slice } from './slice.js';

/** how a slice is stored */
const SNAPSHOT = 0;
const COMPACT = 1;
const SAME_AS_BASE = 2;
const DELTA = 3;

function tryEncode(fn: (w: ByteWriter) => void): Uint8Array | null {
  const w = new ByteWriter();
  try {
    fn(w);
    return w.finish();
  } catch (err) {
    if (err instanceof NotEncodable) return null;
    throw err;
  }
}

function sliceBody(slice: Slice<unknown>, value: unknown, base: unknown): { how: number; body: Uint8Array } {
  if (base !== undefined && value === base) return { how: SAME_AS_BASE, body: new Uint8Array(0) };
  const delta = base !== undefined && slice.encodeDelta ? tryEncode((w) => slice.encodeDelta!(base, value, w)) : null;
  if (delta !== null) return { how: DELTA, body: delta };
  const compact = slice.encode ? tryEncode((w) => slice.encode!(value, w)) : null;
  if (compact !== null) return { how: COMPACT, body: compact };
  return { how: SNAPSHOT, body: packValue(slice.snapshot(value)) };
}

function encodeBody(state: State, base: State | null): Uint8Array {
  const w = new ByteWriter();
  w.uint(sliceTable.length);
  for (const { name, slice } of sliceTable) {
    const key = name as keyof State;
    const { how, body } = sliceBody(slice, state[key], base === null ? undefined : base[key]);
    w.str(name);
    w.byte(how);
    w.uint(body.length);
    w.bytes(body);
  }
  return w.finish();
}

/** A full checkpoint body. */
export function encodeState(state: State): Uint8Array {
  return encodeBody(state, null);
}

/** A delta checkpoint body: `state` against `base` (an earlier state of the same run). */
export function encodeStateDelta(base: State, state: State): Uint8Array {
  return encodeBody(state, base);
}

function decodeBody(buf: Uint8Array, base: State | null): State {
  const r = new ByteReader(buf);
  const got = new Map<string, unknown>();
  for (let n = r.count(); n > 0; n--) {
    const name = r.str();
    const how = r.byte();
    const len = r.count();
    const at = r.offset;
    r.bytes(len);
    const entry = sliceTable.find((x) => x.name === name);
    if (entry === undefined || got.has(name)) throw new Error(`checkpoint: ${entry ? 'duplicate' : 'unknown'} slice ${JSON.stringify(name).slice(0, 40)}`);
    const { slice } = entry;
    const baseValue = base === null ? undefined : base[name as keyof State];
    try {
      const sr = new ByteReader(buf, at, at + len);
      if (how === SNAPSHOT) got.set(name, slice.restore(unpackValue(buf.subarray(at, at + len))));
      else if (how === COMPACT && slice.decode) got.set(name, slice.decode(sr));
      else if (how === SAME_AS_BASE && baseValue !== undefined) got.set(name, baseValue);
      else if (how === DELTA && baseValue !== undefined && slice.decodeDelta) got.set(name, slice.decodeDelta(baseValue, sr));
      else throw new Error(`cannot be stored as #${how}${base === null ? ' in a full checkpoint' : ''}`);
      if ((how === COMPACT || how === DELTA) && !sr.done) throw new Error(`${at + len - sr.offset} bytes left over`);
    } catch (err) {
      throw new Error(`checkpoint slice ${name}: ${(err as Error).message}`);
    }
  }
  if (!r.done) throw new Error('checkpoint: bytes after the last slice');
  const out: Record<string, unknown> = {};
  for (const { name, slice, later } of sliceTable) {
    if (got.has(name)) out[name] = got.get(name);
    else if (later) out[name] = slice.initial;
    else throw new Error(`checkpoint: slice ${name} missing`);
  }
  return out as unknown as State;
}

/** Reads a full checkpoint body; throws an Error naming the slice that does not decode. */
export function decodeState(buf: Uint8Array): State {
  return decodeBody(buf, null);
}

/** Reads a delta body against the base it was written against. */
export function decodeStateDelta(base: State, buf: Uint8Array): State {
  return decodeBody(buf, base);
}

/** What a checkpoint body holds, slice by slice (journal diagnostics and tests). */
export function checkpointSections(buf: Uint8Array): { slice: string; how: 'snapshot' | 'compact' | 'same' | 'delta'; bytes: number }[] {
  const r = new ByteReader(buf);
  const out: { slice: string; how: 'snapshot' | 'compact' | 'same' | 'delta'; bytes: number }[] = [];
  for (let n = r.count(); n > 0; n--) {
    const slice = r.str();
    const how = (['snapshot', 'compact', 'same', 'delta'] as const)[r.byte()] ?? 'snapshot';
    const bytes = r.count();
    r.bytes(bytes);
    out.push({ slice, how, bytes });
  }
  return out;
}
