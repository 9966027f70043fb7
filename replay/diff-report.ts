// What `diff` reports about two runs (journals or traces). Shared by the CLI and the web page.
export interface RunRef {
  readonly input: string;
  readonly profile: string | null;
  readonly events: number;
}

export interface Divergence {
  readonly seqA: number | null;
  readonly seqB: number | null;
  readonly lineA: number | null;
  readonly lineB: number | null;
  /** what differs, in kernel terms: "IOVA chosen 0xffffe000 vs 0xfffff000", "errno -EEXIST vs 0", … */
  readonly what: string;
}

export interface Delta {
  readonly a: number;
  readonly b: number;
  readonly delta: number;
}

export interface DiffReport {
  readonly a: RunRef;
  readonly b: RunRef;
  /** false when the two runs share no workload steps, markers or devices */
  readonly related: boolean;
  readonly firstDivergence: Divergence | null;
  readonly deltas: Readonly<Record<string, Delta>>;
}
