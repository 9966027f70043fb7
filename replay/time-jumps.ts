// Backward steps of the trace clock. A trace is usually in time order, but a clock reset, two
// captures joined, or a per-CPU buffer merged late make the timestamp go back; a seek by time
// must then know the stretches in which time only goes forward. The writer collects these as it
// flushes each block (not per append) and keeps them in the end record; a reader without an end
// record collects them in one pass.
import { type IommuEvent } from '../domain-events/index.js';
import { MAX_TIME_JUMPS, type TimeJump } from './journal-format.js';

export class TimeJumps {
  private last: number | null = null;
  readonly jumps: TimeJump[] = [];
  truncated = false;

  /** `max`: jumps kept (the end record keeps MAX_TIME_JUMPS; a reader's own pass keeps all) */
  constructor(private readonly max = MAX_TIME_JUMPS) {}

  observe(events: readonly IommuEvent[]): void {
    let last = this.last;
    for (let i = 0; i < events.length; i++) {
      const ts = events[i].ts;
      if (ts === null) continue;
      if (last !== null && ts < last) this.add(events[i].seq, last, ts);
      last = ts;
    }
    this.last = last;
  }

  private add(seq: number, from: number, to: number): void {
    if (this.jumps.length < this.max) this.jumps.push({ seq, from, to });
    else this.truncated = true;
  }
}
