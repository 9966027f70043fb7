// trace.dat options (trace-cmd.dat.v7(5) "Options"; v6 carries the same ids inline): what the
// file says about the machine (uname, CPU count, trace clock), the recording (trace-cmd version,
// per-CPU stats), the buffers and their per-CPU data, and, in v7, where each section is.
import { type CpuData } from './layout.js';
import { type Cursor } from './file.js';

export interface BufferOption {
  /** instance name; "" is the top instance */
  readonly name: string;
  readonly clock: string | null;
  readonly cpus: CpuData[];
}

export interface Options {
  uname: string | null;
  traceClock: string | null;
  cpuCount: number | null;
  traceCmdVersion: string | null;
  /** OFFSET: ns added to every timestamp on reading */
  tsOffset: number;
  /** the per-CPU stats text (entries, overrun, dropped events …), one per CPU */
  cpuStats: string[];
  buffers: BufferOption[];
  /** v7: offsets of the sections the options point to */
  sections: { headerInfo: number | null; ftraceEvents: number | null; eventFormats: number | null; cmdlines: number | null };
}

export function newOptions(): Options {
  return { uname: null, traceClock: null, cpuCount: null, traceCmdVersion: null, tsOffset: 0, cpuStats: [], buffers: [], sections: { headerInfo: null, ftraceEvents: null, eventFormats: null, cmdlines: null } };
}

const text = (d: Cursor) => Buffer.from(d.bytes).toString('utf8').replace(/\0.*$/s, '').trim();

/** the clock in brackets of a trace_clock file ("local [global] counter …"), or the text itself */
export function selectedClock(s: string): string | null {
  return /\[(\S+)\]/.exec(s)?.[1] ?? (s.trim() || null);
}

/** trace-cmd's ids (trace-cmd.h enum tracecmd_file_options); unknown ids are skipped as the format allows */
export function applyOption(o: Options, id: number, d: Cursor, version: number): void {
  switch (id) {
    case 2:
      o.cpuStats.push(text(d));
      return;
    case 3: {
      if (version === 6) {
        // v6 BUFFER: offset of the instance's flyrecord block and its name; only the top instance is read
        d.u64('buffer offset');
        o.buffers.push({ name: d.cstring('buffer name'), clock: null, cpus: [] });
        return;
      }
      d.u64('buffer section offset');
      const name = d.cstring('buffer name');
      const clock = d.cstring('buffer clock');
      d.u32('buffer page size');
      const n = d.u32('buffer CPU count');
      const cpus: CpuData[] = [];
      for (let i = 0; i < n; i++) cpus.push({ cpu: d.u32('CPU id'), offset: d.u64('CPU data offset'), size: d.u64('CPU data size') });
      o.buffers.push({ name, clock: clock || null, cpus });
      return;
    }
    case 4:
      o.traceClock = selectedClock(text(d));
      return;
    case 5:
      o.uname = text(d);
      return;
    case 7:
      o.tsOffset = Number(text(d)) || 0;
      return;
    case 8:
      o.cpuCount = d.u32('CPU count');
      return;
    case 9:
      o.traceCmdVersion = text(d);
      return;
    case 16:
      o.sections.headerInfo = d.u64('header info offset');
      return;
    case 17:
      o.sections.ftraceEvents = d.u64('ftrace events offset');
      return;
    case 18:
      o.sections.eventFormats = d.u64('event formats offset');
      return;
    case 21:
      o.sections.cmdlines = d.u64('cmdlines offset');
      return;
    default:
      return;
  }
}

/** uname option "Linux (none) 6.12.117+deb12-amd64 x86_64" (sysname nodename release machine) */
export function unameParts(uname: string | null): { release: string | null; machine: string | null } {
  const w = (uname ?? '').split(/\s+/).filter(Boolean);
  return w.length >= 4 ? { release: w[2], machine: w[w.length - 1] } : { release: w[2] ?? null, machine: null };
}
