// Time travel over a journal: the state after any event, or at any trace time, without
// replaying from zero. The journal's checkpoint records (recorder.ts) are the fixed starting
// points; on top of them the Timeline keeps anchors, the persistent states it passed while
// replaying (every ANCHOR_EVERY events), so stepping back and forth near a point replays a few
// hundred events at most. States share structure (PMap), so an anchor costs only what differs.
import { type IommuEvent, InputError } from '../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../reducers/index.js';
import { RecordKind, type TimeJump } from './journal-format.js';
import { journalNotes, journalProblems } from './journal-problems.js';
import { JournalReader, type RecordInfo } from './journal-reader.js';
import { TimeJumps } from './time-jumps.js';
import { seekTime, type TimeSearchable, type TimeSeek } from './time-seek.js';

/** events between two anchors kept while replaying */
export const ANCHOR_EVERY = 256;
/** anchors laid on the way to a target: the last ones before it (4 × 256 events of stepping back) */
const TAIL_ANCHORS = 4;
/**
 * anchors kept at most (the farthest from the newest go first). Anchors near each other share
 * almost everything, but one restored from another checkpoint shares nothing: at 10 M events a
 * region costs 1–2 MB, which young-generation GCs copy and promote and which then grows the
 * heap (with 512, random seeks spent over a third of their time in GC). 64 keep 16 K events
 * of stepping at one anchor per 256 events, or a dozen regions seeks jump between.
 */
const MAX_ANCHORS = 64;
/** decoded event blocks kept (the replay from a checkpoint reads one or two) */
const MAX_BLOCKS = 8;
/** states offered by a pass over the whole journal (the time-travel page's load pass): one kept per this many events */
export const PIN_SPACING = 1024;
/**
 * A checkpoint is restored only when it starts this many events nearer the target than the
 * nearest state already in memory: below that, replaying costs less than decoding a state
 * (and makes less garbage).
 */
const RESTORE_SAVES = 1024;
/**
 * Places kept: the anchors within REGION_EVENTS of the last KEPT_REGIONS places stateAt was
 * asked for (a place: a target farther than that from the newest one); the anchors of older
 * places go when a checkpoint is restored. Jumping back and forth between two places stays
 * cheap, while random seeks do not pile up states of places nobody returns to: each costs
 * 1–2 MB at 10 M events, which young-generation GCs copied and promoted and full GCs marked
 * (with up to 64 anchors from a dozen places, GC set a random seek's p95).
 */
const KEPT_REGIONS = 2;
const REGION_EVENTS = 8 * RESTORE_SAVES;

interface Anchor {
  /** events applied: the state after event `applied - 1` */
  readonly applied: number;
  readonly state: State;
}

export interface SeekStats {
  checkpointsRestored: number;
  eventsReplayed: number;
  blocksDecoded: number;
}

export class Timeline implements TimeSearchable {
  /** events records: first seq and count, in order */
  private readonly blocks: RecordInfo[] = [];
  /** checkpoint records: `firstSeq` = events applied before it */
  private readonly checkpoints: RecordInfo[] = [];
  /** checks records (what the fault checks found and kept at a checkpoint), in order */
  private readonly checksRecords: RecordInfo[] = [];
  private anchors: Anchor[] = [{ applied: 0, state: initialState() }];
  /** states offered by a whole pass (offerState), in order, never dropped */
  private readonly pinned: Anchor[] = [];
  private readonly decoded = new Map<number, IommuEvent[]>();
  readonly total: number;
  readonly stats: SeekStats = { checkpointsRestored: 0, eventsReplayed: 0, blocksDecoded: 0 };
  private jumps: readonly TimeJump[] | null = null;
  /** the last KEPT_REGIONS places stateAt was asked for, newest last */
  private places: number[] = [];

  private constructor(
    readonly reader: JournalReader,
    /** what messages call the input (a trace imported into a temporary journal is named by the trace) */
    readonly label: string = reader.path,
  ) {
    const scan = reader.scan();
    for (const r of scan.records) {
      if (r.kind === RecordKind.events) this.blocks.push(r);
      else if (r.kind === RecordKind.checkpoint) this.checkpoints.push(r);
      else if (r.kind === RecordKind.checks) this.checksRecords.push(r);
    }
    this.total = scan.events;
  }

  static open(path: string, label?: string): Timeline {
    return new Timeline(JournalReader.open(path), label);
  }

  close(): void {
    this.reader.close();
  }

  get lastSeq(): number {
    return this.total - 1;
  }

  /** Damage, or a writer that did not finish: one line each, for stderr (and exit 1). */
  get problems(): string[] {
    return journalProblems(this.reader, this.label);
  }

  /** Said once, not a problem (a format-v1 journal cannot tell whether it is whole). */
  get notes(): string[] {
    return journalNotes(this.reader, this.label);
  }

  /** states kept from a whole pass (offerState) */
  get pinnedCount(): number {
    return this.pinned.length;
  }

  get checkpointCount(): number {
    return this.checkpoints.length;
  }

  /** Sequence numbers of the checkpoints: the state before each is stored. */
  checkpointSeqs(): number[] {
    return this.checkpoints.map((c) => c.firstSeq);
  }

  /** Events applied before each checks record (the fault checks ran while the journal was recorded). */
  checksSeqs(): number[] {
    return this.checksRecords.map((c) => c.firstSeq);
  }

  /** Checks record k: plain data as the checks saved it. */
  checksData(k: number): Record<string, unknown> {
    return this.reader.decodeChecks(this.checksRecords[k]);
  }

  private checkSeq(seq: number, what: string): void {
    if (!Number.isInteger(seq) || seq < -1 || seq > this.lastSeq)
      throw new InputError(`${what} ${seq}: past the end of ${this.label} (events are #0..#${this.lastSeq})`);
  }

  blockCount(): number {
    return this.blocks.length;
  }

  blockFirstSeq(i: number): number {
    return this.blocks[i].firstSeq;
  }

  blockEvents(i: number): readonly IommuEvent[] {
    return this.block(i);
  }

  blockIndexOf(seq: number): number {
    return this.blockIndex(seq);
  }

  private blockIndex(seq: number): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.blocks[mid].firstSeq <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private block(i: number): IommuEvent[] {
    let b = this.decoded.get(i);
    if (b !== undefined) {
      this.decoded.delete(i);
      this.decoded.set(i, b);
      return b;
    }
    b = this.reader.decodeEvents(this.blocks[i]);
    this.stats.blocksDecoded++;
    this.decoded.set(i, b);
    if (this.decoded.size > MAX_BLOCKS) this.decoded.delete(this.decoded.keys().next().value as number);
    return b;
  }

  eventAt(seq: number): IommuEvent {
    this.checkSeq(seq, 'event');
    if (seq < 0) throw new InputError(`event ${seq}: there is no event before the first`);
    const i = this.blockIndex(seq);
    return this.block(i)[seq - this.blocks[i].firstSeq];
  }

  /** Events with from <= seq <= to, in order. */
  *range(from: number, to: number): Generator<IommuEvent> {
    if (this.total === 0 || to < from) return;
    const a = Math.max(0, from);
    const b = Math.min(this.lastSeq, to);
    for (let i = this.blockIndex(a); i < this.blocks.length && this.blocks[i].firstSeq <= b; i++) {
      const blk = this.block(i);
      const f = this.blocks[i].firstSeq;
      for (let k = Math.max(0, a - f); k < blk.length && f + k <= b; k++) yield blk[k];
    }
  }

  /**
   * A state some pass already folded (the state after `applied` events), kept for the life of
   * the Timeline, at most one per PIN_SPACING events: a long-lived reader that folded the whole
   * run once (the time-travel page) seeks from these instead of restoring checkpoints.
   */
  offerState(applied: number, state: State): void {
    const last = this.pinned[this.pinned.length - 1];
    if (applied - (last?.applied ?? 0) < PIN_SPACING) return;
    this.pinned.push({ applied, state });
  }

  /** The state after event `seq` (-1: before the first event). */
  stateAt(seq: number): State {
    this.checkSeq(seq, '--at');
    const target = seq + 1;
    this.visit(target);
    let anchor = this.bestAnchor(target);
    const pin = latestAtOrBefore(this.pinned, target);
    if (pin !== null && pin.applied > anchor.applied) anchor = pin;
    const cp = this.bestCheckpoint(target);
    // restoring a checkpoint costs about what replaying a few thousand events does
    if (cp !== null && cp.firstSeq > anchor.applied + RESTORE_SAVES) {
      this.dropOtherPlaces();
      anchor = { applied: cp.firstSeq, state: this.reader.decodeCheckpoint(cp) };
      this.stats.checkpointsRestored++;
      this.addAnchor(anchor);
    }
    return this.replayFrom(anchor, target);
  }

  /** Checkpoint probe: the stored state before checkpoint k (no replay). */
  checkpointState(k: number): State {
    this.stats.checkpointsRestored++;
    const s = this.reader.decodeCheckpoint(this.checkpoints[k]);
    this.addAnchor({ applied: this.checkpoints[k].firstSeq, state: s });
    return s;
  }

  private replayFrom(anchor: Anchor, target: number): State {
    let s = anchor.state;
    let applied = anchor.applied;
    // far from the target, one batch (one reducer transaction, no anchors nobody steps back to);
    // anchors only over the last TAIL_ANCHORS stretches, where stepping back lands
    const tail = (Math.floor((target - 1) / ANCHOR_EVERY) - TAIL_ANCHORS + 1) * ANCHOR_EVERY;
    if (tail > applied) {
      const far: IommuEvent[] = [];
      for (const e of this.range(applied, tail - 1)) far.push(e);
      s = evolveBatch(s, far);
      this.stats.eventsReplayed += far.length;
      applied = tail;
      this.addAnchor({ applied, state: s });
    }
    while (applied < target) {
      const next = Math.min(target, (Math.floor(applied / ANCHOR_EVERY) + 1) * ANCHOR_EVERY);
      const chunk: IommuEvent[] = [];
      for (const e of this.range(applied, next - 1)) chunk.push(e);
      s = evolveBatch(s, chunk);
      this.stats.eventsReplayed += chunk.length;
      applied = next;
      if (applied % ANCHOR_EVERY === 0) this.addAnchor({ applied, state: s });
    }
    return s;
  }

  private bestAnchor(target: number): Anchor {
    const a = this.anchors;
    let lo = 0;
    let hi = a.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid].applied <= target) lo = mid;
      else hi = mid - 1;
    }
    return a[lo];
  }

  private bestCheckpoint(target: number): RecordInfo | null {
    let best: RecordInfo | null = null;
    let lo = 0;
    let hi = this.checkpoints.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.checkpoints[mid].firstSeq <= target) {
        best = this.checkpoints[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  private visit(target: number): void {
    const p = this.places;
    if (p.length > 0 && Math.abs(p[p.length - 1] - target) <= REGION_EVENTS) p[p.length - 1] = target;
    else {
      p.push(target);
      if (p.length > KEPT_REGIONS) p.shift();
    }
  }

  /** Before a restore: the anchors far from every place kept go (the start stays). */
  private dropOtherPlaces(): void {
    const p = this.places;
    this.anchors = this.anchors.filter((a, i) => i === 0 || p.some((c) => Math.abs(a.applied - c) <= REGION_EVENTS));
  }

  private addAnchor(x: Anchor): void {
    const a = this.anchors;
    const at = this.bestAnchor(x.applied);
    if (at.applied === x.applied) return;
    let i = a.length;
    while (i > 0 && a[i - 1].applied > x.applied) i--;
    a.splice(i, 0, x);
    if (a.length > MAX_ANCHORS) {
      // keep the start and drop the anchor farthest from the one just added
      const far = Math.abs(a[1].applied - x.applied) > Math.abs(a[a.length - 1].applied - x.applied) ? 1 : a.length - 1;
      a.splice(far, 1);
    }
  }

  /** Where the trace clock goes back: from the end record, or (no end record, or too many) one pass. */
  timeJumps(): readonly TimeJump[] {
    if (this.jumps !== null) return this.jumps;
    const st = this.reader.status();
    if (st.kind === 'complete' && Array.isArray(st.end.timeJumps) && !st.end.timeJumpsTruncated) this.jumps = st.end.timeJumps;
    else {
      const t = new TimeJumps(Infinity);
      for (const r of this.blocks) t.observe(this.reader.decodeEvents(r));
      this.jumps = t.jumps;
    }
    return this.jumps;
  }

  /**
   * The last event at or before trace time `ns` (-1 when the trace starts later), by binary
   * search over the blocks; where the clock goes back, within the stretch that holds `ns`.
   */
  seekTime(ns: number): TimeSeek {
    return seekTime(this, ns, this.timeJumps(), this.label);
  }

  seqAtTime(ns: number): number {
    return this.seekTime(ns).seq;
  }
}

function latestAtOrBefore(a: readonly Anchor[], target: number): Anchor | null {
  let lo = 0;
  let hi = a.length - 1;
  let best: Anchor | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid].applied <= target) {
      best = a[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** "12.345678" seconds (trace time) -> nanoseconds, exactly. */
export function parseTraceTime(text: string, what = '--at-time'): number {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) throw new InputError(`${what}: expected seconds like 12.345678, got ${JSON.stringify(text)}`);
  return Number(m[1]) * 1e9 + Number((m[2] ?? '').padEnd(9, '0'));
}
