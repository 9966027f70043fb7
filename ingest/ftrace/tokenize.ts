// The ftrace line tokenizer (kernel/trace/trace_output.c print formats; reference §7.4): finds
// the fields of `task-pid [cpu] flags timestamp: event: body` by position, without regexes, for
// tracefs `trace` text and `trace-cmd report` text (flags and TGID columns optional).

export interface LineTokens {
  task: string;
  pid: number;
  tgid: number | null;
  cpu: number;
  /** the 4–5 irq-info characters, or null when the trace has none */
  irq: string | null;
  /** timestamp in ns (exact: seconds and the fraction parsed as integers) */
  ts: number;
  name: string;
  body: string;
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

/** `[NNN]` preceded by a space: where the CPU column is. */
function findCpu(line: string): number {
  let at = line.indexOf(' [');
  while (at >= 0) {
    let i = at + 2;
    while (i < line.length && isDigit(line.charCodeAt(i))) i++;
    if (i > at + 2 && line.charCodeAt(i) === 93 /* ] */) return at;
    at = line.indexOf(' [', at + 1);
  }
  return -1;
}

/** seconds.fraction → ns, exactly (no floating point) */
export function parseTimestamp(s: string): number | null {
  const dot = s.indexOf('.');
  if (dot <= 0) {
    // counter clocks print a raw integer
    if (s.length === 0) return null;
    for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return null;
    return Number(s);
  }
  const secs = s.slice(0, dot);
  const frac = s.slice(dot + 1);
  if (frac.length === 0 || frac.length > 9) return null;
  for (let i = 0; i < secs.length; i++) if (!isDigit(secs.charCodeAt(i))) return null;
  for (let i = 0; i < frac.length; i++) if (!isDigit(frac.charCodeAt(i))) return null;
  return Number(secs) * 1_000_000_000 + Number(frac) * 10 ** (9 - frac.length);
}

export function tokenize(line: string, out: LineTokens): TokenResult {
  if (line.length === 0 || line.trim().length === 0) return R_BLANK;
  const first = line.trimStart();
  if (first.charCodeAt(0) === 35 /* # */) return R_HEADER;
  const lost = lostLine(first);
  if (lost) return lost;
  const at = findCpu(line);
  if (at < 0) return bad('cpu', 'no [CPU] column');
  let taskpid = line.slice(0, at).trim();
  let tgid: number | null = null;
  if (taskpid.endsWith(')')) {
    const open = taskpid.lastIndexOf('(');
    const t = taskpid.slice(open + 1, -1).trim();
    tgid = t === '-------' || t === '' ? null : Number(t);
    taskpid = taskpid.slice(0, open).trim();
  }
  const dash = taskpid.lastIndexOf('-');
  if (dash <= 0) return bad('pid', `no task-pid in ${JSON.stringify(taskpid.slice(0, 40))}`);
  const pid = Number(taskpid.slice(dash + 1));
  if (!Number.isInteger(pid)) return bad('pid', `not a number: ${JSON.stringify(taskpid.slice(dash + 1))}`);
  const close = line.indexOf(']', at);
  out.cpu = Number(line.slice(at + 2, close));
  // after the CPU: optional flags, then the timestamp ending in ':'
  let i = close + 1;
  while (line.charCodeAt(i) === 32) i++;
  let sp = line.indexOf(' ', i);
  if (sp < 0) return bad('timestamp', 'line ends after the CPU column');
  let tok = line.slice(i, sp);
  out.irq = null;
  if (!tok.endsWith(':')) {
    if (tok.length > 6 || ![...tok].every((c) => FLAG_CHARS.has(c.charCodeAt(0)))) return bad('flags', `unexpected ${JSON.stringify(tok.slice(0, 20))}`);
    out.irq = tok;
    i = sp;
    while (line.charCodeAt(i) === 32) i++;
    sp = line.indexOf(' ', i);
    if (sp < 0) return bad('timestamp', 'line ends after the flags');
    tok = line.slice(i, sp);
  }
  if (!tok.endsWith(':')) return bad('timestamp', `expected seconds.micros: got ${JSON.stringify(tok.slice(0, 24))}`);
  const ts = parseTimestamp(tok.slice(0, -1));
  if (ts === null || !Number.isSafeInteger(ts)) return bad('timestamp', `not a timestamp: ${JSON.stringify(tok.slice(0, 24))}`);
  const nameStart = sp + 1;
  const colon = line.indexOf(': ', nameStart);
  const nameEnd = colon < 0 ? (line.endsWith(':') ? line.length - 1 : -1) : colon;
  if (nameEnd <= nameStart) return bad('event', 'no event name');
  out.task = taskpid.slice(0, dash);
  out.pid = pid;
  out.tgid = tgid;
  out.ts = ts;
  out.name = line.slice(nameStart, nameEnd);
  out.body = colon < 0 ? '' : line.slice(colon + 2);
  return R_EVENT;
}

export function newTokens(): LineTokens {
  return { task: '', pid: 0, tgid: null, cpu: 0, irq: null, ts: 0, name: '', body: '' };
}
