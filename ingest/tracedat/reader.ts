// trace.dat → the same located records the text parser yields, batch by batch. The CPUs' streams
// are merged by timestamp as trace-cmd report merges them (trace-input.c
// tracecmd_read_next_data: the smallest timestamp next, the lower CPU on a tie). Each record is
// decoded through its event's format from the file; an event the families do not know is kept
// raw with its decoded fields. Damage stops the read with a TraceDatError after every record
// before it was yielded.
import { type Diagnostics } from '../diagnostics.js';
import { FIELD_FAMILIES } from '../ftrace/families.js';
import { FieldProblem } from '../ftrace/fields.js';
import { TimeOrder } from '../ftrace/time-order.js';
import { fieldsText } from '../ftrace/field-reader.js';
import { type TraceHeader } from '../ftrace/header.js';
import { type LineContext, type Located, type TraceRecord } from '../records.js';
import { CpuStream } from './cpu-stream.js';
import { DatFile } from './file.js';
import { irqColumn } from './irq-flags.js';
import { readLayout, type TraceDatLayout } from './layout.js';
import { unameParts } from './options.js';
import { RecordFields } from './record-fields.js';

const BATCH = 4096;

/** What the file says about itself, into the trace header. */
export function fillHeader(layout: TraceDatLayout, header: TraceHeader): void {
  const o = layout.options;
  const u = unameParts(o.uname);
  header.source = 'trace.dat';
  header.fileVersion = layout.version;
  header.kernel = u.release;
  header.machine = u.machine;
  header.cpus = o.cpuCount ?? layout.cpus.length;
  header.traceClock = o.buffers.find((b) => b.name === '')?.clock ?? o.traceClock;
}

/** a min-heap of CPU streams by (timestamp, CPU index) */
class StreamHeap {
  private readonly h: CpuStream[] = [];

  private less(a: CpuStream, b: CpuStream): boolean {
    return a.ts < b.ts || (a.ts === b.ts && a.cpu.cpu < b.cpu.cpu);
  }

  push(s: CpuStream): void {
    const h = this.h;
    h.push(s);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  /** the stream with the next record, or undefined when all are done */
  top(): CpuStream | undefined {
    return this.h[0];
  }

  /** the top stream moved on (or ended): restore the order */
  fix(): void {
    const h = this.h;
    if (h[0].done) {
      const last = h.pop()!;
      if (h.length === 0) return;
      h[0] = last;
    }
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

interface EventDecoder {
  readonly name: string;
  readonly fields: RecordFields;
  readonly decode: ((r: RecordFields) => ReturnType<NonNullable<ReturnType<typeof FIELD_FAMILIES.get>>>) | null;
}

export interface TraceDatReadOptions {
  /**
   * called after each batch with the bytes of CPU data read so far and their total: the
   * ring-buffer pages are where the time goes (a file's kallsyms and formats are a large part of a
   * short capture's bytes and read at once)
   */
  readonly onProgress?: (bytes: number, total: number) => void;
}

export async function* readTraceDat(path: string, diag: Diagnostics, header: TraceHeader, opts: TraceDatReadOptions = {}): AsyncGenerator<Located[]> {
  const file = await DatFile.open(path);
  try {
    const layout = readLayout(file);
    fillHeader(layout, header);
    yield* records(file, layout, path, diag, opts);
  } finally {
    file.close();
  }
}

function* records(file: DatFile, layout: TraceDatLayout, path: string, diag: Diagnostics, opts: TraceDatReadOptions): Generator<Located[]> {
  const le = layout.littleEndian;
  const cmdlines = layout.cmdlines;
  const tsOffset = layout.options.tsOffset;
  const decoders = new Map<number, EventDecoder | null>();
  const decoderOf = (id: number): EventDecoder | null => {
    let d = decoders.get(id);
    if (d === undefined) {
      const fmt = layout.formats.ofId(id);
      d = fmt ? { name: fmt.name, fields: new RecordFields(fmt, le), decode: FIELD_FAMILIES.get(fmt.name) ?? null } : null;
      decoders.set(id, d);
    }
    return d;
  };
  const order = new TimeOrder(path, diag);
  const heap = new StreamHeap();
  const streams = layout.cpus.map((c) => new CpuStream(file, layout, c));
  for (const s of streams) if (s.advance()) heap.push(s);
  // (a stream damaged before its first record fails here, before any record: nothing to keep)
  let n = 0;
  let out: Located[] = [];
  const dataBytes = streams.reduce((a, s) => a + s.size, 0);
  const progress = () => opts.onProgress?.(streams.reduce((a, s) => a + s.consumed, 0), dataBytes);
  for (let s = heap.top(); s; s = heap.top()) {
    const ts = s.ts + tsOffset;
    const cpu = s.cpu.cpu;
    if (s.missed !== 0) {
      diag.count('lostEventLines');
      if (s.missed > 0) diag.count('lostEvents', s.missed);
      out.push({ kind: 'lost', count: s.missed > 0 ? s.missed : null, at: { line: ++n, ts, cpu, task: '', pid: -1, irq: null } });
    }
    const v = s.view;
    const base = s.recOffset;
    const line = ++n;
    diag.count('events');
    const id = v.getUint16(base, le);
    const dec = decoderOf(id);
    if (!dec) diag.problem({ file: path, line, field: 'common_type', problem: `record of CPU ${cpu} at ${ts} ns has event id ${id}, which no format in the file defines` });
    else {
      const pid = v.getInt32(base + 4, le);
      const at = { line, ts, cpu, task: pid === 0 ? '<idle>' : (cmdlines.get(pid) ?? '<...>'), pid, irq: irqColumn(v.getUint8(base + 2), v.getUint8(base + 3)) };
      const fields = dec.fields.bind(s.page, v, base, s.recLength);
      const p = dec.decode ? dec.decode(fields) : null;
      if (p instanceof FieldProblem) diag.problem({ file: path, line, field: `${dec.name}.${p.field}`, problem: p.problem });
      else {
        const record: TraceRecord = p ?? { kind: 'raw', name: dec.name, text: fieldsText(fields) };
        if (record.kind === 'raw') diag.count('unknownEvents');
        order.see(cpu, ts, line);
        // the decoder's record becomes the located record (no copy per event)
        (record as { at?: LineContext }).at = at;
        out.push(record as Located);
      }
    }
    try {
      s.advance();
    } catch (err) {
      // damage: the records before it are kept (yielded), then the error says where
      if (out.length) yield out;
      progress();
      throw err;
    }
    heap.fix();
    if (out.length >= BATCH) {
      progress();
      yield out;
      out = [];
    }
  }
  progress();
  if (out.length) yield out;
}
