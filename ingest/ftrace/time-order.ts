// Timestamps that go back on one CPU. A CPU's ring buffer is written in time order, so its
// events' timestamps never decrease (kernel/trace/ring_buffer.c); a trace whose clock jumps back
// (a reset buffer, a changed trace clock, two traces pasted together) has its events kept as
// recorded, and the jump is reported once per place, because seeking by time across it cannot
// be right.
import { type Diagnostics } from '../diagnostics.js';

export class TimeOrder {
  private readonly last = new Map<number, { ts: number; line: number }>();

  constructor(
    private readonly file: string,
    private readonly diag: Diagnostics,
  ) {}

  /** notes the event's time on its CPU; reports when it is earlier than the CPU's previous event */
  see(cpu: number, ts: number, line: number): void {
    const prev = this.last.get(cpu);
    if (prev && ts < prev.ts)
      this.diag.note(
        { file: this.file, line, field: 'timestamp', problem: `${seconds(ts)} goes back before ${seconds(prev.ts)} (line ${prev.line}) on CPU ${cpu}: kept as recorded; time-based seeks around it are unreliable` },
        'timeBackwards',
      );
    if (prev) {
      prev.ts = ts;
      prev.line = line;
    } else this.last.set(cpu, { ts, line });
  }
}

function seconds(ns: number): string {
  return `${Math.floor(ns / 1e9)}.${String(Math.floor(ns % 1e9)).padStart(9, '0')} s`;
}
