// Lines → typed records with their context. Header comments are read for what they say
// (CPUs, overwritten entries); malformed lines are reported once each and skipped; unknown events
// become `raw` records. Nothing throws out of the loop.
import { type Diagnostics } from '../diagnostics.js';
import { type LineBatch } from '../lines.js';
import { type Located, type TraceRecord } from '../records.js';
import { FAMILIES } from './families.js';
import { newTokens, tokenize } from './tokenize.js';

export interface TraceHeader {
  cpus: number | null;
  entriesInBuffer: number | null;
  entriesWritten: number | null;
  tracer: string | null;
}

export function newHeader(): TraceHeader {
  return { cpus: null, entriesInBuffer: null, entriesWritten: null, tracer: null };
}

function readHeaderLine(line: string, h: TraceHeader): void {
  const m = /entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)\s+#P:(\d+)/.exec(line);
  if (m) {
    h.entriesInBuffer = Number(m[1]);
    h.entriesWritten = Number(m[2]);
    h.cpus = Number(m[3]);
    return;
  }
  const t = /^#\s*tracer:\s*(\S+)/.exec(line);
  if (t) h.tracer = t[1];
  const c = /^cpus=(\d+)/.exec(line.trim());
  if (c) h.cpus = Number(c[1]);
}

export async function* parseTrace(batches: AsyncIterable<LineBatch>, file: string, diag: Diagnostics, header: TraceHeader): AsyncGenerator<Located[]> {
  const tok = newTokens();
  for await (const b of batches) {
    const out: Located[] = [];
    for (let i = 0; i < b.lines.length; i++) {
      const line = b.lines[i];
      const n = b.first + i;
      diag.count('lines');
      const r = tokenize(line, tok);
      if (r.kind === 'blank') {
        diag.count('blankLines');
        continue;
      }
      if (r.kind === 'header') {
        diag.count('headerLines');
        readHeaderLine(line, header);
        continue;
      }
      if (r.kind === 'lost') {
        diag.count('lostEventLines');
        if (r.lostCount) diag.count('lostEvents', r.lostCount);
        out.push({ kind: 'lost', count: r.lostCount ?? null, at: { line: n, ts: out.length ? out[out.length - 1].at.ts : 0, cpu: r.lostCpu ?? 0, task: '', pid: -1, irq: null } });
        continue;
      }
      if (r.kind === 'malformed') {
        // trace-cmd report prints a few lines of its own (CPU N is empty, version=…)
        if (/^(CPU \d+ is empty|version = |cpus=)/.test(line.trim())) {
          readHeaderLine(line, header);
          diag.count('headerLines');
          continue;
        }
        diag.problem({ file, line: n, field: r.field!, problem: r.problem! });
        continue;
      }
      const at = { line: n, ts: tok.ts, cpu: tok.cpu, task: tok.task, pid: tok.pid, irq: tok.irq };
      const parser = FAMILIES.get(tok.name);
      diag.count('events');
      if (!parser) {
        diag.count('unknownEvents');
        out.push({ kind: 'raw', name: tok.name, text: line, at } as Located);
        continue;
      }
      const p = parser(tok.body);
      if (!p.ok) {
        diag.problem({ file, line: n, field: `${tok.name}.${p.field}`, problem: p.problem });
        continue;
      }
      out.push({ ...(p.record as TraceRecord), at } as Located);
    }
    if (out.length) yield out;
  }
}
