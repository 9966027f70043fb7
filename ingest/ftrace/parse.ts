// Lines → typed records with their context. Header comments are read for what they say
// (CPUs, overwritten entries); malformed lines are reported once each and skipped; unknown events
// become `raw` records. Nothing throws out of the loop. tracefs text and `trace-cmd report` text
// are read alike; report's `[FAILED TO PARSE]` lines are decoded from the raw fields through the
// event's format (the capture's formats/, or the kernel header's layout, assumed and said so).
import { ascii, Interner, startsWithBytes, trimStart, utf8 } from '../bytes.js';
import { type Diagnostics } from '../diagnostics.js';
import { type LineBatch, lineBytes, MAX_LINE } from '../lines.js';
import { type LineContext, type Located } from '../records.js';
import { ASSUMED_LAYOUT_SOURCE, assumedDmaLayout } from './dma-layouts.js';
import { type EventFormat } from './event-format.js';
import { FAMILIES, FIELD_FAMILIES } from './families.js';
import { fieldsText } from './field-reader.js';
import { BodyFields, FieldProblem } from './fields.js';
import { FormatSet } from './format-set.js';
import { readHeaderLine, type TraceHeader } from './header.js';
import { type Parsed } from './iommu.js';
import { FAILED_TO_PARSE, RawFieldReader } from './raw-fields.js';
import { TimeOrder } from './time-order.js';
import { newTokens, tokenize } from './tokenize.js';

export { newHeader, type TraceHeader, type TraceSource } from './header.js';

/** The layout of an event printed with raw fields: the trace's own format, else the kernel header's (assumed, reported once). */
function layoutOf(name: string, formats: FormatSet, header: TraceHeader, diag: Diagnostics, file: string, line: number): EventFormat | null {
  const own = formats.get(name);
  if (own) return own;
  const assumed = assumedDmaLayout(name);
  if (!assumed) return null;
  formats.add(assumed);
  header.assumedLayouts.push(`${name}: ${ASSUMED_LAYOUT_SOURCE}`);
  diag.note({ file, line, field: name, problem: `printed as ${FAILED_TO_PARSE} and the trace has no format for it: field layout assumed from ${ASSUMED_LAYOUT_SOURCE}` }, 'assumedLayouts');
  return assumed;
}

/** `fields`: the text after `[FAILED TO PARSE]` */
function decodeRawFields(name: string, fields: string, fmt: EventFormat): Parsed {
  const reader = new RawFieldReader(fmt, fields.trimStart());
  const decoder = FIELD_FAMILIES.get(name);
  return decoder ? decoder(reader) : { kind: 'raw', name, text: fieldsText(reader) };
}

const FAILED_BYTES = ascii(FAILED_TO_PARSE);

/**
 * arch/x86/Kconfig (6.12) NR_CPUS_RANGE_END: 8192 with MAXSMP, the most any kernel is built for
 * (arm64: 4096). A CPU column past the trace's own CPU count, or past this when it gives none,
 * is not a CPU.
 */
const NR_CPUS_MAX = 8192;

export async function* parseTrace(batches: AsyncIterable<LineBatch>, file: string, diag: Diagnostics, header: TraceHeader, formats = new FormatSet()): AsyncGenerator<Located[]> {
  const tok = newTokens();
  const order = new TimeOrder(file, diag);
  const body = new BodyFields();
  // task names, event names and irq columns repeat all through a trace: each is decoded once
  const tasks = new Interner();
  const events = new Interner();
  const irqs = new Interner();
  for await (const b of batches) {
    const out: Located[] = [];
    const long = b.long ? new Set(b.long.map((l) => l.line)) : null;
    for (const l of b.long ?? []) {
      diag.count('lines');
      diag.note({ file, line: l.line, field: 'line', problem: `${l.length} characters, longer than any trace line (limit ${MAX_LINE}): skipped` }, 'longLines');
    }
    const { buf, starts, ends } = b.text ?? lineBytes(b.lines);
    for (let i = 0; i < starts.length; i++) {
      const ls = starts[i];
      const le = ends[i];
      const n = b.first + i;
      if (long?.has(n)) continue;
      diag.count('lines');
      const r = tokenize(buf, ls, le, tok);
      if (r.kind === 'blank') {
        diag.count('blankLines');
        continue;
      }
      if (r.kind === 'header') {
        diag.count('headerLines');
        readHeaderLine(utf8(buf, ls, le), header);
        continue;
      }
      if (r.kind === 'lost') {
        diag.count('lostEventLines');
        if (r.lostCount) diag.count('lostEvents', r.lostCount);
        out.push({ kind: 'lost', count: r.lostCount ?? null, at: { line: n, ts: out.length ? out[out.length - 1].at.ts : 0, cpu: r.lostCpu ?? 0, task: '', pid: -1, irq: null } });
        continue;
      }
      if (r.kind === 'malformed') {
        // trace-cmd report prints a few lines of its own (cpus=N, version = N, CPU N is empty)
        if (readHeaderLine(utf8(buf, ls, le), header)) {
          diag.count('headerLines');
          continue;
        }
        diag.problem({ file, line: n, field: r.field!, problem: r.problem! });
        continue;
      }
      // trace-cmd report has no irq-flags column and pads the event name to a column
      header.source ??= tok.irqStart < 0 ? 'trace-cmd-report' : 'tracefs';
      if (tok.cpu >= (header.cpus ?? NR_CPUS_MAX)) {
        diag.problem({ file, line: n, field: 'cpu', problem: `CPU ${tok.cpu} is beyond ${header.cpus !== null ? `the trace's ${header.cpus} CPUs` : `any machine (${NR_CPUS_MAX} CPUs at most)`}: line skipped` });
        continue;
      }
      if (tok.irqStart < 0) tok.bodyStart = trimStart(buf, tok.bodyStart, tok.bodyEnd);
      const at = { line: n, ts: tok.ts, cpu: tok.cpu, task: tasks.get(buf, tok.taskStart, tok.taskEnd), pid: tok.pid, irq: tok.irqStart < 0 ? null : irqs.get(buf, tok.irqStart, tok.irqEnd) };
      const name = events.get(buf, tok.nameStart, tok.nameEnd);
      diag.count('events');
      let p: Parsed;
      if (startsWithBytes(buf, tok.bodyStart, tok.bodyEnd, FAILED_BYTES)) {
        const fmt = layoutOf(name, formats, header, diag, file, n);
        if (!fmt) {
          diag.count('unknownEvents');
          out.push({ kind: 'raw', name, text: utf8(buf, ls, le), at } as Located);
          continue;
        }
        p = decodeRawFields(name, utf8(buf, tok.bodyStart + FAILED_BYTES.length, tok.bodyEnd), fmt);
      } else {
        const parser = FAMILIES.get(name);
        if (!parser) {
          diag.count('unknownEvents');
          out.push({ kind: 'raw', name, text: utf8(buf, ls, le), at } as Located);
          continue;
        }
        p = parser(body.bind(buf, tok.bodyStart, tok.bodyEnd));
      }
      if (p instanceof FieldProblem) {
        diag.problem({ file, line: n, field: `${name}.${p.field}`, problem: p.problem });
        continue;
      }
      if (p.kind === 'raw') diag.count('unknownEvents');
      order.see(tok.cpu, tok.ts, n);
      // the parser's record becomes the located record (no copy per event)
      (p as { at?: LineContext }).at = at;
      out.push(p as Located);
    }
    if (out.length) yield out;
  }
}
