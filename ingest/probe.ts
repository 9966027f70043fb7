// What a trace says about itself, read before its events (the profile is chosen from it):
// source format, CPUs, kernel, trace clock. Reads only the header of the file.
import { utf8 } from './bytes.js';
import { readCapture } from './capture.js';
import { isTraceDat } from './detect.js';
import { newHeader, readHeaderLine, type TraceHeader } from './ftrace/header.js';
import { newTokens, tokenize } from './ftrace/tokenize.js';
import { lineBytes, readLines } from './lines.js';
import { DatFile } from './tracedat/file.js';
import { readLayout } from './tracedat/layout.js';
import { fillHeader } from './tracedat/reader.js';

export interface TraceProbe {
  /** the trace file read (a capture folder's trace) */
  readonly file: string;
  readonly header: TraceHeader;
}

/** lines read at most before giving up on finding the first event */
const PROBE_LINES = 4096;

async function probeText(file: string): Promise<TraceHeader> {
  const header = newHeader();
  const tok = newTokens();
  let seen = 0;
  for await (const b of readLines(file, 64 * 1024)) {
    const { buf, starts, ends } = b.text ?? lineBytes(b.lines);
    for (let i = 0; i < starts.length; i++) {
      if (++seen > PROBE_LINES) return header;
      const r = tokenize(buf, starts[i], ends[i], tok);
      if (r.kind === 'header' || r.kind === 'malformed') readHeaderLine(utf8(buf, starts[i], ends[i]), header);
      if (r.kind === 'event') {
        header.source ??= tok.irqStart < 0 ? 'trace-cmd-report' : 'tracefs';
        return header;
      }
    }
  }
  return header;
}

/** a trace.dat's metadata: its options and formats, none of its CPU data */
async function probeDat(file: string): Promise<TraceHeader> {
  const header = newHeader();
  const f = await DatFile.open(file);
  try {
    fillHeader(readLayout(f), header);
  } finally {
    f.close();
  }
  return header;
}

/** The header of a trace file or capture folder, without reading its events. A damaged trace.dat throws its TraceDatError. */
export async function probeTrace(input: string): Promise<TraceProbe> {
  const file = readCapture(input).trace;
  return { file, header: isTraceDat(file) ? await probeDat(file) : await probeText(file) };
}
