// The named fields of one event record, whatever carried them: a trace.dat record decoded through
// its format, or the raw `name=value` fields `trace-cmd report` prints when it cannot evaluate an
// event's print fmt. The family decoders read events by field name, so a kernel that moves a
// field still decodes.
import { type EventFormat, printSymbol } from './event-format.js';
import { FieldProblem } from './fields.js';
import { type Parsed } from './iommu.js';

export interface FieldReader {
  readonly format: EventFormat;
  /** a numeric field as unsigned 64-bit (a negative value in two's complement); null when absent */
  num(name: string): bigint | null;
  /** a string field (__string, char[]); null when absent */
  str(name: string): string | null;
  /** the elements of an array field, each of the field's element size; null when absent */
  array(name: string): bigint[] | null;
}

export type FieldDecoder = (r: FieldReader) => Parsed;

export function missing(field: string): FieldProblem {
  return new FieldProblem(field, 'missing');
}

/** a field as the kernel prints it through the print fmt's __print_symbolic / __print_flags table */
export function symbolOf(r: FieldReader, name: string): string | null {
  const v = r.num(name);
  if (v === null) return null;
  const t = r.format.symbols.get(name);
  return t ? printSymbol(t, v) : '0x' + v.toString(16);
}

/** every field as `name=value`, the text an event the model does not know is kept with */
export function fieldsText(r: FieldReader): string {
  const parts: string[] = [];
  for (const f of r.format.fields) {
    let v: string;
    if (f.isString) v = r.str(f.name) ?? '';
    else if (f.arrayLen !== null) v = '{' + (r.array(f.name) ?? []).map((x) => '0x' + x.toString(16)).join(',') + '}';
    else {
      const n = r.num(f.name);
      v = n === null ? '' : f.signed && n >= 1n << BigInt(f.size * 8 - 1) ? String(n - (1n << BigInt(f.size * 8))) : f.isLong || f.isPointer ? '0x' + n.toString(16) : String(n);
    }
    parts.push(`${f.name}=${v}`);
  }
  return parts.join(' ');
}
