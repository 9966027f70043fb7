// What each stage of an import costs, per event, on a real capture's events: the text parser
// alone, attribution (an import without a journal, less the parse and the reducers), and then,
// on the journal that import wrote, each stage the recorder runs, timed apart in one pass over the
// same blocks: the reducers, block packing, deflate, checkpoint encoding (a delta every 1024
// events, a full one every 4096) and the fault checks. The sum is what one thread would spend;
// the recorder's pipe (replay/journal-pipe.ts) puts deflate, writing and the checks in a second.
import { deflateRawSync } from 'node:zlib';
import { checkCompanion } from '../checks/index.js';
import { BLOCK_DEFLATE_LEVEL, type IommuEvent, packBlock } from '../domain-events/index.js';
import { Diagnostics } from '../ingest/diagnostics.js';
import { FormatSet } from '../ingest/ftrace/format-set.js';
import { newHeader, parseTrace } from '../ingest/ftrace/parse.js';
import { importTrace } from '../ingest/importer.js';
import { readLines } from '../ingest/lines.js';
import { readTraceDat } from '../ingest/tracedat/reader.js';
import { encodeState, encodeStateDelta, evolveBatch, initialState, type State, Tx } from '../reducers/index.js';
import { JournalReader } from '../replay/index.js';

const perSec = (n: number, ms: number): number => Math.round(n / (ms / 1000));

async function parseOnly(folder: string, file: string): Promise<{ ms: number; records: number }> {
  const t0 = performance.now();
  let records = 0;
  for await (const batch of parseTrace(readLines(file), file, new Diagnostics(), newHeader(), FormatSet.fromFolder(folder))) records += batch.length;
  return { ms: performance.now() - t0, records };
}

export async function stageFigures(folder: string, report: string, journal: string, tracedat: string | null): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const parse = await parseOnly(folder, report);
  out.stageParseTextEventsPerSec = perSec(parse.records, parse.ms);
  if (tracedat === null) out.stageParseTracedatSkipped = 'no trace.dat import result';
  else {
    const t0 = performance.now();
    let records = 0;
    for await (const b of readTraceDat(tracedat, new Diagnostics(), newHeader())) records += b.length;
    out.stageParseTracedatEventsPerSec = perSec(records, performance.now() - t0);
  }

  // one pass over the journal's blocks, each stage timed on its own
  const t: Record<string, number> = { decode: 0, reduce: 0, pack: 0, deflate: 0, checkpoint: 0, checks: 0 };
  const time = <T>(k: string, fn: () => T): T => {
    const t0 = performance.now();
    const r = fn();
    t[k] += performance.now() - t0;
    return r;
  };
  const reader = JournalReader.open(journal);
  const checks = checkCompanion();
  let state: State = initialState();
  let tx = new Tx();
  let base: State | null = null;
  let events = 0;
  let sinceDelta = 0;
  let sinceFull = 0;
  try {
    for (const info of reader.records()) {
      if (info.kind !== 1) continue;
      const block = time('decode', () => reader.decodeEvents(info)) as IommuEvent[];
      events += block.length;
      state = time('reduce', () => evolveBatch(state, block, tx));
      const packed = time('pack', () => packBlock(block));
      time('deflate', () => deflateRawSync(packed, { level: BLOCK_DEFLATE_LEVEL }));
      time('checks', () => checks.feed(block));
      sinceDelta += block.length;
      sinceFull += block.length;
      if (sinceDelta >= 1024) {
        const s = state;
        if (base === null || sinceFull >= 4096) {
          time('checkpoint', () => deflateRawSync(encodeState(s), { level: 1 }));
          sinceFull = 0;
        } else {
          const b = base;
          time('checkpoint', () => deflateRawSync(encodeStateDelta(b, s), { level: 1 }));
        }
        base = s;
        tx = new Tx();
        sinceDelta = 0;
      }
    }
  } finally {
    reader.close();
  }
  for (const [k, ms] of Object.entries(t)) out[`stage${k[0].toUpperCase()}${k.slice(1)}EventsPerSec`] = perSec(events, ms);

  // attribution: an import without a journal parses, attributes and folds; the rest is attribution
  const t0 = performance.now();
  const r = await importTrace(report, { output: null, keepEvents: false });
  const whole = performance.now() - t0;
  const attributeMs = whole - parse.ms - t.reduce;
  out.stageAttributeEventsPerSec = attributeMs > 0 ? perSec(r.summary.events, attributeMs) : 'not measurable (less than the noise)';
  out.stageEvents = events;
  return out;
}
