// The tracefs event `format` file (events/<system>/<event>/format; kernel/trace/trace_events.c
// f_show): the layout of an event's binary record and how the kernel prints it. One parser for
// every reader that needs a layout: the `[FAILED TO PARSE]` lines of `trace-cmd report` text and
// the records of a trace.dat, whose formats are stored in the file.
//
//   name: dma_map_sg
//   ID: 370
//   format:
//   	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
//   	...
//   	field:__data_loc u64[] phys_addrs;	offset:24;	size:4;	signed:0;
//   print fmt: "%s dir=%s ...", __get_str(device), __print_symbolic(REC->dir, { 0, "BIDIRECTIONAL" }, ...)
import { evalConst } from './c-expr.js';

export type FieldLoc = 'fixed' | 'data_loc' | 'rel_loc';

export interface FormatField {
  readonly name: string;
  /** the C type as written, without the array suffix: `u64`, `__data_loc char[]`, `unsigned long` */
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  /** fixed: the value is at offset; data_loc / rel_loc: a 32-bit (length << 16 | offset) is */
  readonly loc: FieldLoc;
  /** elements of a fixed array (`char comm[16]` → 16), 0 for `char buf[]` (the rest of the record), null when not an array */
  readonly arrayLen: number | null;
  /** bytes per element of an array (from the element type), or the field size */
  readonly elementSize: number;
  /** a char array, printed as a string */
  readonly isString: boolean;
  /** `long` / `unsigned long`: libtraceevent prints it in hex when it cannot use the print fmt */
  readonly isLong: boolean;
  readonly isPointer: boolean;
}

/** a __print_symbolic (value → name) or __print_flags (bits → names joined by delim) table */
export interface SymbolTable {
  readonly kind: 'symbolic' | 'flags';
  readonly delim: string;
  readonly entries: readonly { readonly value: bigint; readonly name: string }[];
  /** `(REC->f) ? __print_flags(…) : "none"`: the text printed for 0 */
  readonly zeroText: string | null;
}

export interface EventFormat {
  readonly name: string;
  readonly id: number;
  /** the common_* fields of every record */
  readonly common: readonly FormatField[];
  readonly fields: readonly FormatField[];
  readonly printFmt: string | null;
  readonly printArgs: string | null;
  /** the symbolic and flag tables of the print fmt, by field name */
  readonly symbols: ReadonlyMap<string, SymbolTable>;
}

const ELEMENT_SIZES: Readonly<Record<string, number>> = {
  char: 1, bool: 1, u8: 1, s8: 1, __u8: 1, __s8: 1,
  short: 2, u16: 2, s16: 2, __u16: 2, __s16: 2, __le16: 2, __be16: 2,
  int: 4, u32: 4, s32: 4, __u32: 4, __s32: 4, gfp_t: 4, pid_t: 4, __le32: 4, __be32: 4, enum: 4,
  'long long': 8, u64: 8, s64: 8, __u64: 8, __s64: 8, dma_addr_t: 8, phys_addr_t: 8, loff_t: 8, __le64: 8, __be64: 8,
};

/** bytes of one element of a C type (`longSize` for long, size_t, pointers), or null when unknown */
export function cTypeSize(type: string, longSize: number): number | null {
  if (type.includes('*')) return longSize;
  const words = type
    .replace(/\b(__data_loc|__rel_loc|const|volatile|signed|unsigned|struct)\b/g, ' ')
    .replace(/\[\d*\]/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words[0] === 'enum') return 4;
  const key = words.join(' ');
  if (key === '' ) return 4; // plain `unsigned` / `signed`
  if (key === 'long' || key === 'size_t' || key === 'ssize_t' || key === 'unsigned long' || key === 'uintptr_t') return longSize;
  if (key === 'long long' || key === 'long long int') return 8;
  if (key === 'short int') return 2;
  if (key === 'long int') return longSize;
  return ELEMENT_SIZES[key] ?? ELEMENT_SIZES[words[words.length - 1]] ?? null;
}

function parseField(line: string, longSize: number): FormatField | null {
  const m = /^\s*field(?: special)?:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*(?:signed:(\d+);)?/.exec(line);
  if (!m) return null;
  const decl = m[1].trim();
  const nm = /([A-Za-z_][A-Za-z0-9_]*)\s*(\[(\d*)\])?$/.exec(decl);
  if (!nm) return null;
  const name = nm[1];
  const type = decl.slice(0, nm.index).trim();
  const size = Number(m[3]);
  const loc: FieldLoc = type.startsWith('__data_loc') ? 'data_loc' : type.startsWith('__rel_loc') ? 'rel_loc' : 'fixed';
  const dynamicArray = loc !== 'fixed' && /\[\]\s*$/.test(type);
  const arrayLen = nm[2] !== undefined ? (nm[3] === '' ? 0 : Number(nm[3])) : dynamicArray ? 0 : null;
  const elemType = type.replace(/^__(data|rel)_loc\s+/, '').replace(/\[\]\s*$/, '').trim();
  const elementSize = arrayLen === null ? size : arrayLen > 0 ? size / arrayLen : (cTypeSize(elemType, longSize) ?? 1);
  const isString = arrayLen !== null && /\b(char|u8|s8)\b/.test(elemType) && !elemType.includes('*');
  return {
    name,
    type,
    offset: Number(m[2]),
    size,
    signed: m[4] === '1',
    loc,
    arrayLen,
    elementSize,
    isString,
    isLong: /^(unsigned )?long$/.test(elemType),
    isPointer: elemType.includes('*'),
  };
}

/** Splits `a, f(b, c), "d, e"` at its top-level commas. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === '\\') i++;
    } else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last) out.push(last);
  return out;
}

function unquote(s: string): string | null {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(s.trim());
  return m ? m[1].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c)) : null;
}

/** the argument list of the call `name(` starting at `at` (the index of the name), and where it ends */
function callArgs(s: string, at: number): { args: string[]; end: number } | null {
  const open = s.indexOf('(', at);
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '"') for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return { args: splitArgs(s.slice(open + 1, i)), end: i + 1 };
  }
  return null;
}

function readTable(args: string[], first: number): { value: bigint; name: string }[] {
  const entries: { value: bigint; name: string }[] = [];
  for (const a of args.slice(first)) {
    const inner = /^\{(.*)\}$/s.exec(a.trim());
    if (!inner) continue;
    const parts = splitArgs(inner[1]);
    const value = parts.length === 2 ? evalConst(parts[0]) : null;
    const name = parts.length === 2 ? unquote(parts[1]) : null;
    // an entry whose value is not a constant (an enum the kernel did not substitute) is left out
    if (value !== null && name !== null) entries.push({ value, name });
  }
  return entries;
}

/** The __print_symbolic / __print_flags tables of a print fmt's arguments, by the field they print. */
export function symbolTables(printArgs: string): Map<string, SymbolTable> {
  const out = new Map<string, SymbolTable>();
  const re = /__print_(symbolic|flags)\s*\(/g;
  for (let m = re.exec(printArgs); m; m = re.exec(printArgs)) {
    const call = callArgs(printArgs, m.index);
    const field = call ? /^\(?\s*REC->(\w+)\s*\)?$/.exec(call.args[0])?.[1] : undefined;
    if (!call || !field || out.has(field)) continue;
    const flags = m[1] === 'flags';
    const delim = flags ? (unquote(call.args[1] ?? '') ?? '|') : '';
    // `(REC->f) ? __print_flags(REC->f, …) : "none"` prints "none" for 0
    const before = printArgs.slice(Math.max(0, m.index - 80), m.index);
    const ternary = new RegExp(`\\(\\s*REC->${field}\\s*\\)\\s*\\?\\s*$`).test(before);
    const alt = ternary ? /^\s*:\s*("(?:[^"\\]|\\.)*")/.exec(printArgs.slice(call.end)) : null;
    out.set(field, { kind: flags ? 'flags' : 'symbolic', delim, entries: readTable(call.args, flags ? 2 : 1), zeroText: alt ? unquote(alt[1]) : null });
  }
  return out;
}

/** The `field:` lines of a format-like text (header_page and header_event have no name or ID). */
export function parseFormatFields(text: string, longSize = 8): FormatField[] {
  const out: FormatField[] = [];
  for (const line of text.split('\n')) {
    const f = parseField(line, longSize);
    if (f) out.push(f);
  }
  return out;
}

/** Parses one format file. `longSize` is the kernel's (8 on 64-bit machines; a trace.dat says). */
export function parseEventFormat(text: string, longSize = 8): EventFormat | null {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  const id = /^ID:\s*(\d+)/m.exec(text)?.[1];
  if (!name || id === undefined) return null;
  const all = parseFormatFields(text, longSize);
  const common = all.filter((f) => f.name.startsWith('common_'));
  const fields = all.filter((f) => !f.name.startsWith('common_'));
  const pf = /^print fmt:\s*("(?:[^"\\]|\\.)*")\s*(?:,\s*([\s\S]*))?$/m.exec(text);
  const printFmt = pf ? unquote(pf[1]) : null;
  const printArgs = pf?.[2]?.trim() ?? null;
  return { name, id: Number(id), common, fields, printFmt, printArgs, symbols: printArgs ? symbolTables(printArgs) : new Map() };
}

/** the texts a table has printed, by value: a trace repeats a handful of values millions of times */
const printed = new WeakMap<SymbolTable, Map<bigint, string>>();

/** trace_output.c (6.12) trace_print_symbols_seq / trace_print_flags_seq: how the kernel prints a value through a table. */
export function printSymbol(t: SymbolTable, value: bigint): string {
  let seen = printed.get(t);
  if (!seen) printed.set(t, (seen = new Map()));
  let s = seen.get(value);
  if (s === undefined) {
    s = printSymbolUncached(t, value);
    if (seen.size < 4096) seen.set(value, s);
  }
  return s;
}

function printSymbolUncached(t: SymbolTable, value: bigint): string {
  if (t.kind === 'symbolic') {
    for (const e of t.entries) if (e.value === value) return e.name;
    return '0x' + value.toString(16);
  }
  if (value === 0n && t.zeroText !== null) return t.zeroText;
  const parts: string[] = [];
  let rest = value;
  for (let i = 0; i < t.entries.length && rest !== 0n; i++) {
    const mask = t.entries[i].value;
    if ((rest & mask) !== mask) continue;
    rest &= ~mask;
    parts.push(t.entries[i].name);
  }
  if (rest !== 0n) parts.push('0x' + rest.toString(16));
  return parts.join(t.delim);
}
