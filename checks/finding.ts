// What a fault check reports. Shared by the checks, bisect, the CLI and the web page.
export type Severity = 'error' | 'warning' | 'info';

/** an event a finding points at, with its provenance (trace line when imported) */
export interface EventRef {
  readonly seq: number;
  readonly line: number | null;
  readonly src: string | null;
}

export interface Finding {
  /** check id, e.g. "dma-api/unmap-size-mismatch" */
  readonly check: string;
  readonly checkVersion: number;
  readonly severity: Severity;
  /** the event at which the fault shows */
  readonly seq: number;
  readonly line: number | null;
  readonly src: string | null;
  /** in kernel terms, e.g. what CONFIG_DMA_API_DEBUG would print */
  readonly message: string;
  /** the other events involved (the map an unmap disagrees with, …), oldest first */
  readonly related: readonly EventRef[];
  /** 1 when certain; lower after LOST EVENTS or uncertain attribution */
  readonly confidence: number;
  readonly domain: number | null;
  /** the IOVA / physical address / PASID the finding is about, for its history */
  readonly address: bigint | null;
  /** what `address` is: an IOVA (or DMA address) in `domain`, a physical address, or a PASID */
  readonly addressSpace: 'iova' | 'phys' | 'pasid' | null;
}

export interface CheckRun {
  readonly events: number;
  readonly findings: readonly Finding[];
}
