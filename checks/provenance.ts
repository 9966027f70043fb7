// Lines of recent events by seq, so a finding can name the trace line of the map an unmap
// disagrees with. A fixed ring (the last 2^20 events): memory stays bounded however long the
// stream; an older event keeps line null here and the CLI looks it up in the journal.
import { type IommuEvent } from '../domain-events/index.js';
import { type EventRef } from './finding.js';

const BITS = 20;
const MASK = (1 << BITS) - 1;

export class RecentLines {
  private readonly seqs = new Float64Array(1 << BITS).fill(-1);
  private readonly lines = new Int32Array(1 << BITS);
  private readonly srcIds = new Int32Array(1 << BITS);
  // the exact number: a resumed run reads an older event's conf from the journal instead
  private readonly confs = new Float64Array(1 << BITS);
  private readonly srcs: (string | null)[] = [null];
  private lastSrc: string | null = null;
  private lastSrcId = 0;

  note(e: IommuEvent): void {
    const i = e.seq & MASK;
    this.seqs[i] = e.seq;
    this.lines[i] = e.line ?? -1;
    this.confs[i] = e.conf ?? 1;
    if (e.src !== this.lastSrc) {
      let id = this.srcs.indexOf(e.src);
      if (id < 0) id = this.srcs.push(e.src) - 1;
      this.lastSrc = e.src;
      this.lastSrcId = id;
    }
    this.srcIds[i] = this.lastSrcId;
  }

  has(seq: number): boolean {
    return this.seqs[seq & MASK] === seq;
  }

  ref(seq: number): EventRef {
    const i = seq & MASK;
    if (this.seqs[i] !== seq) return { seq, line: null, src: null };
    const line = this.lines[i];
    return { seq, line: line < 0 ? null : line, src: this.srcs[this.srcIds[i]] ?? null };
  }

  /** attribution confidence of a recent event (1 when unknown or stated by the source) */
  conf(seq: number): number {
    const i = seq & MASK;
    return this.seqs[i] === seq ? this.confs[i] : 1;
  }
}
