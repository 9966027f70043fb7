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
  /** the workload step (marker) it happened in; "(start)" before the first; null when unrelated */
  readonly step?: string | null;
  /** the diverging operation on each side, one line each (null: only the other run has one) */
  readonly eventA?: string | null;
  readonly eventB?: string | null;
}

/** How much of the two runs lined up. */
export interface AlignmentStats {
  /** operation pairs with the same signature (same call, device, size, doorbell page) */
  readonly compared: number;
  /** of those, pairs whose outcome (IOVA, page sizes, doorbell IOVA, errno, PASID) differs */
  readonly differing: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly sharedSteps: number;
  /** differing pairs by what differed: "IOVA chosen", "page sizes", "doorbell IOVA", "errno", "PASID" … */
  readonly differingBy?: Readonly<Record<string, number>>;
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
  readonly alignment?: AlignmentStats;
  readonly deltas: Readonly<Record<string, Delta>>;
}
