// One readable line per event: seq, time, CPU, type, then the payload as key=value, addresses in
// hex, provenance last.
import { eventDefs, type FieldKind, type IommuEvent, isAmbiguous } from '../domain-events/index.js';

function fmt(kind: FieldKind, v: unknown): string {
  if (v === null || v === undefined) return '-';
  switch (kind.k) {
    case 'u64':
      return '0x' + (v as bigint).toString(16);
    case 'opt':
      return fmt(kind.of, v);
    case 'list':
      return '[' + (v as unknown[]).map((x) => fmt(kind.of, x)).join(',') + ']';
    case 'obj':
      return '{' + Object.entries(kind.fields).map(([k, f]) => `${k}=${fmt(f, (v as Record<string, unknown>)[k])}`).join(' ') + '}';
    case 'str':
      return /\s/.test(v as string) || v === '' ? JSON.stringify(v) : (v as string);
    default:
      return String(v);
  }
}

export function formatTs(ns: number | null): string {
  if (ns === null) return '-';
  const s = Math.floor(ns / 1e9);
  const frac = String(ns % 1e9).padStart(9, '0');
  return `${s}.${frac.replace(/000$/, '')}`;
}

export function formatEvent(e: IommuEvent): string {
  const def = eventDefs.get(e.type)!;
  const rec = e as unknown as Record<string, unknown>;
  const parts = [`#${e.seq}`, formatTs(e.ts), e.cpu === null ? '' : `[${String(e.cpu).padStart(3, '0')}]`, e.type];
  for (const k in def.fields) parts.push(`${k}=${fmt(def.fields[k], rec[k])}`);
  if (e.how) parts.push(`how=${e.how}${e.conf !== null ? `@${e.conf}` : ''}${isAmbiguous(e) ? ' (ambiguous)' : ''}`);
  if (e.src) parts.push(`(${e.src}${e.line !== null ? ':' + e.line : ''})`);
  else if (e.cmd) parts.push(`(${e.cmd})`);
  return parts.filter((p) => p !== '').join(' ');
}
