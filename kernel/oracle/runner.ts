// Runs an oracle file through a format's session and compares every output field of every line.
import { readFileSync } from 'node:fs';
import { InputError } from '../../domain-events/index.js';
import { type Profile } from '../profile.js';
import { kernelProfile, RELEASE_PROFILES } from '../profiles/index.js';
import { oracleFormat, oracleKinds } from './registry.js';
import { type OracleFileReport, OracleInputError, type OracleMismatch, type OracleRecord } from './types.js';

const KEEP = 20;

/** Deep equality on JSON values (numbers, strings, arrays, objects, null). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') return BigInt(a as number) === BigInt(b as number);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

export function verifyOracleText(text: string, file: string, opts: { profile?: Profile } = {}): OracleFileReport {
  const lines = text.split('\n');
  const errors: string[] = [];
  let header: OracleRecord;
  try {
    header = JSON.parse(lines[0]) as OracleRecord;
  } catch {
    throw new InputError(`${file}:1: header is not JSON`);
  }
  const kind = String(header.kind ?? '');
  const format = oracleFormat(kind);
  if (!format) throw new InputError(`${file}:1:kind: unknown oracle format ${JSON.stringify(header.kind)} (known: ${oracleKinds().join(', ')})`);
  const kernel = String(header.kernel ?? '');
  const chosen = opts.profile ? { profile: opts.profile, assumed: null } : kernelProfile(kernel);
  let profile = chosen?.profile;
  if (!profile) {
    profile = RELEASE_PROFILES[RELEASE_PROFILES.length - 1];
    errors.push(`${file}:1:kernel: unknown kernel ${JSON.stringify(header.kernel)}; checked with ${profile.name}`);
  }
  const session = format.open(header, profile);
  const mismatches: OracleMismatch[] = [];
  let count = 0;
  let ops = 0;
  let matched = 0;
  const miss = (m: OracleMismatch) => {
    count++;
    if (mismatches.length < KEEP) mismatches.push(m);
  };
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i].trim();
    if (!t) continue;
    const line = i + 1;
    ops++;
    let rec: OracleRecord;
    try {
      rec = JSON.parse(t) as OracleRecord;
    } catch (err) {
      miss({ line, op: '?', field: 'json', expected: 'a JSON object', actual: (err as Error).message });
      continue;
    }
    const op = typeof rec.op === 'string' ? rec.op : '?';
    const outs = format.outputs(op);
    if (!outs) {
      miss({ line, op, field: 'op', expected: 'a known op', actual: rec.op ?? null });
      continue;
    }
    let actual: Record<string, unknown>;
    try {
      actual = session.step(rec);
    } catch (err) {
      if (err instanceof OracleInputError) {
        miss({ line, op, field: err.field, expected: 'valid input', actual: err.message });
        continue;
      }
      throw err;
    }
    let ok = true;
    for (const f of [...outs, 'warn']) {
      const expected = f === 'warn' ? (rec.warn ?? 0) : rec[f];
      if (expected === undefined) continue;
      const got = f in actual ? actual[f] : f === 'warn' ? 0 : undefined;
      if (!sameValue(expected, got)) {
        ok = false;
        miss({ line, op, field: f, expected, actual: got === undefined ? '(no value)' : got });
      }
    }
    if (ok) matched++;
  }
  return { file, kernel, kind, profile: profile.name, assumed: chosen?.assumed ?? null, ops, matched, mismatches, mismatchCount: count, errors };
}

export function verifyOracleFile(path: string, opts: { profile?: Profile } = {}): OracleFileReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return verifyOracleText(text, path, opts);
}
