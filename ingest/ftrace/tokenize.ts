// The ftrace line tokenizer (kernel/trace/trace_output.c print formats; reference §7.4): finds
// the fields of `task-pid [cpu] flags timestamp: event: body` by position in the line's bytes,
// without regexes or strings, for tracefs `trace` text and `trace-cmd report` text (flags and
// TGID columns optional). Fields are offsets into the line; a parser decodes what it keeps.
import { trimEnd, trimStart, utf8 } from '../bytes.js';

export interface LineTokens {
  /** the task name: [taskStart, taskEnd) */
  taskStart: number;
  taskEnd: number;
  pid: number;
  cpu: number;
  /** the 4–5 irq-info characters [irqStart, irqEnd); irqStart is -1 when the trace has none */
  irqStart: number;
  irqEnd: number;
  /** timestamp in ns (exact: seconds and the fraction parsed as integers) */
  ts: number;
  /** the event name: [nameStart, nameEnd) */
  nameStart: number;
  nameEnd: number;
  /** the event's text after `name: ` (empty when the line ends at the name) */
  bodyStart: number;
  bodyEnd: number;
}

export type TokenKind = 'event' | 'header' | 'blank' | 'lost' | 'malformed';

export interface TokenResult {
  kind: TokenKind;
  /** for lost: the CPU and count (null = unknown) */
  lostCpu?: number;
  lostCount?: number | null;
  /** for malformed: which field and what is wrong */
  field?: string;
  problem?: string;
}

const R_EVENT: TokenResult = { kind: 'event' };
const R_HEADER: TokenResult = { kind: 'header' };
const R_BLANK: TokenResult = { kind: 'blank' };

function bad(field: string, problem: string): TokenResult {
  return { kind: 'malformed', field, problem };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const FLAG_CHARS = new Set('.dDbBNnpPLlZzHhs0123456789abcdefX'.split('').map((c) => c.charCodeAt(0)));

/**
 * The kernel's `CPU:%d [LOST %lu EVENTS]` / `CPU:%d [LOST EVENTS]` (trace.c print_trace_line) and
 * trace-cmd report's `CPU:%d [%lld EVENTS DROPPED]` / `CPU:%d [EVENTS DROPPED]` (trace-read.c).
 * `line` starts at its first non-blank character.
 */
function lostLine(line: string): TokenResult | null {
  if (!line.startsWith('CPU:')) return null;
  const open = line.indexOf(' [');
  if (open < 0 || !(line.includes('[LOST') || line.endsWith('EVENTS DROPPED]'))) return null;
  const cpu = parseInt(line.slice(4), 10);
  const rest = line.slice(open + 2).replace(/^LOST /, '');
  const count = isDigit(rest.charCodeAt(0)) ? parseInt(rest, 10) : null;
  return { kind: 'lost', lostCpu: Number.isFinite(cpu) ? cpu : 0, lostCount: count };
}

/** `[NNN]` preceded by a space: where the CPU column is (the space's offset), or -1. */
function findCpu(b: Uint8Array, start: number, end: number): number {
  for (let at = start; at + 1 < end; at++) {
    if (b[at] !== 32 || b[at + 1] !== 91 /* [ */) continue;
    let i = at + 2;
    while (i < end && isDigit(b[i])) i++;
    if (i > at + 2 && i < end && b[i] === 93 /* ] */) return at;
  }
  return -1;
}

/** what Number() makes of the text [start, end): digits directly, anything else through Number itself */
function numberOf(b: Buffer, start: number, end: number): number {
  if (end > start && end - start <= 15) {
    let v = 0;
    for (let i = start; i < end; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) return Number(utf8(b, start, end));
      v = v * 10 + d;
    }
    return v;
  }
  return Number(utf8(b, start, end));
}

/** seconds.fraction → ns, exactly (no floating point), as the text [start, end) says; null when it is not one */
function parseTimestamp(b: Buffer, start: number, end: number): number | null {
  let dot = -1;
  for (let i = start; i < end; i++)
    if (b[i] === 46) {
      dot = i;
      break;
    }
  if (dot <= start) {
    // counter clocks print a raw integer
    if (end === start) return null;
    for (let i = start; i < end; i++) if (!isDigit(b[i])) return null;
    return numberOf(b, start, end);
  }
  const fracLen = end - dot - 1;
  if (fracLen === 0 || fracLen > 9) return null;
  for (let i = start; i < dot; i++) if (!isDigit(b[i])) return null;
  for (let i = dot + 1; i < end; i++) if (!isDigit(b[i])) return null;
  return numberOf(b, start, dot) * 1_000_000_000 + numberOf(b, dot + 1, end) * 10 ** (9 - fracLen);
}

function lastIndexOfByte(b: Uint8Array, c: number, start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) if (b[i] === c) return i;
  return -1;
}

function indexOfSpace(b: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === 32) return i;
  return -1;
}

/** a quoted piece of the line for a message, cut at `max` characters */
function quoted(b: Buffer, start: number, end: number, max: number): string {
  return JSON.stringify(utf8(b, start, end).slice(0, max));
}

/** The line [start, end) of `b` (no line end) into `out`. */
export function tokenize(b: Buffer, start: number, end: number, out: LineTokens): TokenResult {
  const first = trimStart(b, start, end);
  if (first === end) return R_BLANK;
  if (b[first] === 35 /* # */) return R_HEADER;
  if (end - first >= 4 && b[first] === 67 && b[first + 1] === 80 && b[first + 2] === 85 && b[first + 3] === 58 /* CPU: */) {
    const lost = lostLine(utf8(b, first, end));
    if (lost) return lost;
  }
  const at = findCpu(b, start, end);
  if (at < 0) return bad('cpu', 'no [CPU] column');
  let tp0 = trimStart(b, start, at);
  let tp1 = trimEnd(b, tp0, at);
  if (tp1 > tp0 && b[tp1 - 1] === 41 /* ) */) {
    // the TGID column `(1234)` or `(-------)`
    const open = lastIndexOfByte(b, 40 /* ( */, tp0, tp1);
    tp1 = open < 0 ? tp1 - 1 : open;
    tp0 = trimStart(b, tp0, tp1);
    tp1 = trimEnd(b, tp0, tp1);
  }
  const dash = lastIndexOfByte(b, 45 /* - */, tp0, tp1);
  if (dash <= tp0) return bad('pid', `no task-pid in ${quoted(b, tp0, tp1, 40)}`);
  const pid = numberOf(b, dash + 1, tp1);
  if (!Number.isInteger(pid)) return bad('pid', `not a number: ${JSON.stringify(utf8(b, dash + 1, tp1))}`);
  // findCpu saw `[digits]`: the first `]` after the space closes it
  let close = at + 2;
  while (b[close] !== 93) close++;
  out.cpu = numberOf(b, at + 2, close);
  // after the CPU: optional flags, then the timestamp ending in ':'
  let i = close + 1;
  while (i < end && b[i] === 32) i++;
  let sp = indexOfSpace(b, i, end);
  if (sp < 0) return bad('timestamp', 'line ends after the CPU column');
  let tok = i;
  out.irqStart = -1;
  out.irqEnd = -1;
  if (b[sp - 1] !== 58 /* : */) {
    if (sp - tok > 6) return bad('flags', `unexpected ${quoted(b, tok, sp, 20)}`);
    for (let k = tok; k < sp; k++) if (!FLAG_CHARS.has(b[k])) return bad('flags', `unexpected ${quoted(b, tok, sp, 20)}`);
    out.irqStart = tok;
    out.irqEnd = sp;
    i = sp;
    while (i < end && b[i] === 32) i++;
    sp = indexOfSpace(b, i, end);
    if (sp < 0) return bad('timestamp', 'line ends after the flags');
    tok = i;
  }
  if (b[sp - 1] !== 58) return bad('timestamp', `expected seconds.micros: got ${quoted(b, tok, sp, 24)}`);
  const ts = parseTimestamp(b, tok, sp - 1);
  if (ts === null || !Number.isSafeInteger(ts)) return bad('timestamp', `not a timestamp: ${quoted(b, tok, sp, 24)}`);
  const nameStart = sp + 1;
  let colon = -1;
  for (let k = nameStart; k + 1 < end; k++)
    if (b[k] === 58 && b[k + 1] === 32) {
      colon = k;
      break;
    }
  const nameEnd = colon < 0 ? (b[end - 1] === 58 ? end - 1 : -1) : colon;
  if (nameEnd <= nameStart) return bad('event', 'no event name');
  out.taskStart = tp0;
  out.taskEnd = dash;
  out.pid = pid;
  out.ts = ts;
  out.nameStart = nameStart;
  out.nameEnd = nameEnd;
  out.bodyStart = colon < 0 ? end : colon + 2;
  out.bodyEnd = end;
  return R_EVENT;
}

export function newTokens(): LineTokens {
  return { taskStart: 0, taskEnd: 0, pid: 0, cpu: 0, irqStart: -1, irqEnd: -1, ts: 0, nameStart: 0, nameEnd: 0, bodyStart: 0, bodyEnd: 0 };
}

