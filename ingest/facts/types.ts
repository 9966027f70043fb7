// The facts an import depends on (kernel release, lazy or strict, architecture, IOMMU groups,
// CPUs), each with where it came from. A capture folder says most of them; a bare trace file
// says some through what it shows; the rest are assumed, and every assumption is said.

export type Arch = 'x86_64' | 'arm64';
export type FqMode = 'strict' | 'lazy';

/** What the user says on the command line: each overrides what is read or inferred. */
export interface AssumeFlags {
  /** "6.12", "6.12.117", "linux-7.3" */
  readonly kernel?: string;
  readonly fq?: FqMode;
  readonly arch?: Arch;
  /** a file holding the output of the sysfs iommu_groups command (docs/bare-traces.md) */
  readonly groups?: string;
}

/**
 * How a fact was learnt: given on the command line, read from a file that states it (uname,
 * cmdline, sysfs), inferred from what the trace shows, assumed (nothing says it), or unknown
 * (nothing says it and nothing is assumed: what needs it says so).
 */
export type FactHow = 'given' | 'read' | 'inferred' | 'assumed' | 'unknown';

export interface Fact<T> {
  readonly value: T | null;
  readonly how: FactHow;
  /** where it comes from, for a person: "--kernel", "guest/uname.txt", "dma:* events (line 12)" */
  readonly source: string;
}

/** The facts as the journal's metadata keeps them (`meta.facts`), plain JSON. */
export interface ImportFacts {
  readonly kernel: Fact<string>;
  readonly fq: Fact<FqMode>;
  readonly arch: Fact<Arch>;
  /** the IOMMU groups (ids, types, reserved regions, devices): "5 groups" */
  readonly groups: Fact<string>;
  /** where the reserved regions of the domains come from */
  readonly reservedRegions: Fact<string>;
  readonly cpus: Fact<number>;
  /** whether the trace has dma:* events (the DMA-API checks need them) */
  readonly dmaEvents: Fact<boolean>;
}

export type FactName = keyof ImportFacts;

export function fact<T>(value: T | null, how: FactHow, source: string): Fact<T> {
  return { value, how, source };
}

/** the command-line spelling of an architecture */
export function archFlag(a: Arch): 'x86' | 'arm64' {
  return a === 'x86_64' ? 'x86' : 'arm64';
}
