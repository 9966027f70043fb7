// What a trace says about itself before its events: where it came from, the machine's CPUs,
// kernel and trace clock, and which event layouts the reader had to assume. Read from the
// header lines of text and from the options of a trace.dat; probeTrace fills it before an
// import so the profile can be chosen from it.

/** tracefs `trace` text, `trace-cmd report` text, or trace-cmd's binary trace.dat */
export type TraceSource = 'tracefs' | 'trace-cmd-report' | 'trace.dat';

export interface TraceHeader {
  source: TraceSource | null;
  cpus: number | null;
  entriesInBuffer: number | null;
  entriesWritten: number | null;
  tracer: string | null;
  /** the kernel release the trace names (trace.dat's uname option: "6.12.117+deb12-amd64"); text names none */
  kernel: string | null;
  /** uname's machine: x86_64, aarch64 (trace.dat) */
  machine: string | null;
  traceClock: string | null;
  /** trace.dat file version, or the `version = N` line of trace-cmd report text */
  fileVersion: number | null;
  /** event layouts the trace did not carry and the reader took from the kernel headers: "dma_map_sg: include/trace/events/dma.h (6.12)" */
  assumedLayouts: string[];
}

export function newHeader(): TraceHeader {
  return { source: null, cpus: null, entriesInBuffer: null, entriesWritten: null, tracer: null, kernel: null, machine: null, traceClock: null, fileVersion: null, assumedLayouts: [] };
}

/** A header or comment line of tracefs or trace-cmd report text; false when the line is not one. */
export function readHeaderLine(line: string, h: TraceHeader): boolean {
  const t = line.trim();
  const m = /entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)\s+#P:(\d+)/.exec(t);
  if (m) {
    h.entriesInBuffer = Number(m[1]);
    h.entriesWritten = Number(m[2]);
    h.cpus = Number(m[3]);
    return true;
  }
  const tracer = /^#\s*tracer:\s*(\S+)/.exec(t);
  if (tracer) {
    h.tracer = tracer[1];
    h.source ??= 'tracefs';
    return true;
  }
  if (t.startsWith('#')) return true;
  // trace-cmd report prints these before the events (trace-read.c)
  const cpus = /^cpus=(\d+)$/.exec(t);
  if (cpus) {
    h.cpus = Number(cpus[1]);
    h.source ??= 'trace-cmd-report';
    return true;
  }
  const version = /^version = (\d+)$/.exec(t);
  if (version) {
    h.fileVersion = Number(version[1]);
    h.source ??= 'trace-cmd-report';
    return true;
  }
  if (/^CPU \d+ is empty$/.test(t)) {
    h.source ??= 'trace-cmd-report';
    return true;
  }
  return false;
}
