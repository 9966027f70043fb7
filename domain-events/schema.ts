// A tiny field-schema language for events: one description drives the TypeScript type,
// validation, JSON conversion and the compact codec, so the four never disagree.

export type FieldKind =
  | { readonly k: 'u64' }
  | { readonly k: 'int' }
  | { readonly k: 'u32' }
  | { readonly k: 'num' }
  | { readonly k: 'str' }
  | { readonly k: 'bool' }
  | { readonly k: 'enum'; readonly values: readonly string[] }
  | { readonly k: 'opt'; readonly of: FieldKind }
  | { readonly k: 'list'; readonly of: FieldKind }
  | { readonly k: 'obj'; readonly fields: Readonly<Record<string, FieldKind>> };

/** A full 64-bit unsigned value (address, size): a `bigint`, never a `number`. */
export const u64 = { k: 'u64' } as const;
/** A safe integer (pfn, count, line): exact in a JS number below 2^53. */
export const int = { k: 'int' } as const;
/** An unsigned 32-bit value (ioasid_t, pasid). */
export const u32 = { k: 'u32' } as const;
/** A finite number that may have a fraction (confidence). */
export const num = { k: 'num' } as const;
export const str = { k: 'str' } as const;
export const bool = { k: 'bool' } as const;

export function oneOf<const V extends readonly string[]>(...values: V): { readonly k: 'enum'; readonly values: V } {
  return { k: 'enum', values };
}
export function opt<const F extends FieldKind>(of: F): { readonly k: 'opt'; readonly of: F } {
  return { k: 'opt', of };
}
export function list<const F extends FieldKind>(of: F): { readonly k: 'list'; readonly of: F } {
  return { k: 'list', of };
}
export function obj<const R extends Record<string, FieldKind>>(fields: R): { readonly k: 'obj'; readonly fields: R } {
  return { k: 'obj', fields };
}

export type Infer<F> = F extends { k: 'u64' }
  ? bigint
  : F extends { k: 'int' } | { k: 'u32' } | { k: 'num' }
    ? number
    : F extends { k: 'str' }
      ? string
      : F extends { k: 'bool' }
        ? boolean
        : F extends { k: 'enum'; values: readonly (infer V)[] }
          ? V
          : F extends { k: 'opt'; of: infer O }
            ? Infer<O> | null
            : F extends { k: 'list'; of: infer O }
              ? readonly Infer<O>[]
              : F extends { k: 'obj'; fields: infer R }
                ? { readonly [K in keyof R]: Infer<R[K]> }
                : never;

export type InferFields<R> = { readonly [K in keyof R]: Infer<R[K]> };

const U64_MAX = (1n << 64n) - 1n;

/** Checks `value` against `kind`; returns a problem description or null. */
export function checkField(kind: FieldKind, value: unknown, path: string): string | null {
  switch (kind.k) {
    case 'u64':
      if (typeof value !== 'bigint') return `${path}: expected a 64-bit unsigned bigint, got ${describe(value)}`;
      if (value < 0n || value > U64_MAX) return `${path}: ${value} is outside [0, 2^64)`;
      return null;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return `${path}: expected a safe integer, got ${describe(value)}`;
      return null;
    case 'u32':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff)
        return `${path}: expected an unsigned 32-bit integer, got ${describe(value)}`;
      return null;
    case 'num':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${path}: expected a finite number, got ${describe(value)}`;
      return null;
    case 'str':
      return typeof value === 'string' ? null : `${path}: expected a string, got ${describe(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? null : `${path}: expected true or false, got ${describe(value)}`;
    case 'enum':
      return typeof value === 'string' && kind.values.includes(value)
        ? null
        : `${path}: expected one of ${kind.values.join('|')}, got ${describe(value)}`;
    case 'opt':
      return value === null ? null : checkField(kind.of, value, path);
    case 'list': {
      if (!Array.isArray(value)) return `${path}: expected a list, got ${describe(value)}`;
      for (let i = 0; i < value.length; i++) {
        const p = checkField(kind.of, value[i], `${path}[${i}]`);
        if (p) return p;
      }
      return null;
    }
    case 'obj': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path}: expected an object, got ${describe(value)}`;
      return checkFields(kind.fields, value as Record<string, unknown>, path);
    }
  }
}

export function checkFields(fields: Readonly<Record<string, FieldKind>>, value: Record<string, unknown>, path: string): string | null {
  for (const name in fields) {
    if (!(name in value)) return `${path ? path + '.' : ''}${name}: missing`;
    const p = checkField(fields[name], value[name], path ? `${path}.${name}` : name);
    if (p) return p;
  }
  return null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** JSON form: u64 as a "0x…" hex string (exact), everything else as is. */
export function fieldToJson(kind: FieldKind, value: unknown): unknown {
  switch (kind.k) {
    case 'u64':
      return '0x' + (value as bigint).toString(16);
    case 'opt':
      return value === null ? null : fieldToJson(kind.of, value);
    case 'list':
      return (value as unknown[]).map((v) => fieldToJson(kind.of, v));
    case 'obj': {
      const out: Record<string, unknown> = {};
      const o = value as Record<string, unknown>;
      for (const n in kind.fields) out[n] = fieldToJson(kind.fields[n], o[n]);
      return out;
    }
    default:
      return value;
  }
}

/** Inverse of fieldToJson. Accepts hex or decimal strings (and safe integers) for u64. Throws a path-named Error. */
export function fieldFromJson(kind: FieldKind, value: unknown, path: string): unknown {
  switch (kind.k) {
    case 'u64':
      return parseU64(value, path);
    case 'opt':
      return value === null || value === undefined ? null : fieldFromJson(kind.of, value, path);
    case 'list':
      if (!Array.isArray(value)) throw new Error(`${path}: expected a list, got ${describe(value)}`);
      return value.map((v, i) => fieldFromJson(kind.of, v, `${path}[${i}]`));
    case 'obj': {
      if (typeof value !== 'object' || value === null) throw new Error(`${path}: expected an object, got ${describe(value)}`);
      const out: Record<string, unknown> = {};
      const o = value as Record<string, unknown>;
      for (const n in kind.fields) out[n] = fieldFromJson(kind.fields[n], o[n], `${path}.${n}`);
      return out;
    }
    default:
      return value;
  }
}

export function parseU64(value: unknown, path: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(value)) {
    const b = BigInt(value);
    if (b <= U64_MAX) return b;
  }
  throw new Error(`${path}: expected a 64-bit unsigned value ("0x…" or decimal), got ${describe(value)}`);
}
