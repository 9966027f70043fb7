// Counters of an import, in one typed table with a severity each (Perfetto's stats table): what
// was seen, what was kept without being understood, what was lost, what was malformed.

export type Severity = 'info' | 'dataLoss' | 'error';

export const COUNTERS = {
  lines: { severity: 'info', doc: 'lines read' },
  headerLines: { severity: 'info', doc: 'header and comment lines' },
  blankLines: { severity: 'info', doc: 'empty lines' },
  events: { severity: 'info', doc: 'trace events parsed' },
  unknownEvents: { severity: 'info', doc: 'events of a kind the model does not interpret (kept as RawEventKept)' },
  lostEventLines: { severity: 'dataLoss', doc: 'CPU:N [LOST EVENTS] lines: the ring buffer overwrote events' },
  lostEvents: { severity: 'dataLoss', doc: 'events the kernel reported lost' },
  overwrittenEntries: { severity: 'dataLoss', doc: 'entries-written minus entries-in-buffer from the header' },
  parseErrors: { severity: 'error', doc: 'malformed lines (reported as file:line: field: problem)' },
  assumedLayouts: { severity: 'info', doc: "events printed with raw fields whose layout the trace does not carry: taken from the kernel's header (which and from where: header.assumedLayouts)" },
  formatMismatches: { severity: 'dataLoss', doc: "captured formats/ whose print fmt differs from the parser's: those events may be misread" },
  longLines: { severity: 'error', doc: 'lines longer than 1 MiB: reported with their number and skipped' },
  timeBackwards: { severity: 'error', doc: "events whose timestamp is earlier than their CPU's previous event: kept as recorded, reported" },
  unattributed: { severity: 'error', doc: 'map/unmap lines no domain could take' },
  conflicts: { severity: 'error', doc: 'maps over a live mapping or unmaps of a hole after attribution' },
} as const satisfies Record<string, { severity: Severity; doc: string }>;

export type CounterName = keyof typeof COUNTERS;

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly field: string;
  readonly problem: string;
}

export class Diagnostics {
  readonly counts: Record<CounterName, number> = Object.fromEntries(Object.keys(COUNTERS).map((k) => [k, 0])) as Record<CounterName, number>;
  /** the first problems, each reported once */
  readonly problems: Problem[] = [];
  private readonly keep: number;

  constructor(keep = 200) {
    this.keep = keep;
  }

  count(name: CounterName, n = 1): void {
    this.counts[name] += n;
  }

  problem(p: Problem): void {
    this.counts.parseErrors++;
    if (this.problems.length < this.keep) this.problems.push(p);
  }

  /** a problem that is not a malformed line (a format file, a capture file): reported, not counted as a parse error */
  note(p: Problem, counter: CounterName): void {
    this.counts[counter]++;
    if (this.problems.length < this.keep) this.problems.push(p);
  }

  errors(): [CounterName, number][] {
    return (Object.keys(COUNTERS) as CounterName[]).filter((k) => COUNTERS[k].severity === 'error' && this.counts[k] > 0).map((k) => [k, this.counts[k]]);
  }

  toJson(): Record<string, { count: number; severity: Severity }> {
    const out: Record<string, { count: number; severity: Severity }> = {};
    for (const k of Object.keys(COUNTERS) as CounterName[]) out[k] = { count: this.counts[k], severity: COUNTERS[k].severity };
    return out;
  }
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.field}: ${p.problem}`;
}
