// What a trace line says, typed, before attribution decides which domain it belongs to.
import { type DmaCall, type DmaDir, type SgList } from '../domain-events/index.js';

export interface LineContext {
  readonly line: number;
  readonly ts: number;
  readonly cpu: number;
  readonly task: string;
  readonly pid: number;
  readonly irq: string | null;
}

export type TraceRecord =
  | { readonly kind: 'map'; readonly iova: bigint; readonly paddr: bigint; readonly size: bigint }
  | { readonly kind: 'unmap'; readonly iova: bigint; readonly size: bigint; readonly unmapped: bigint }
  | { readonly kind: 'group-add'; readonly group: number; readonly device: string }
  | { readonly kind: 'group-remove'; readonly group: number; readonly device: string }
  | { readonly kind: 'attach'; readonly device: string }
  | { readonly kind: 'detach'; readonly device: string }
  | { readonly kind: 'fault'; readonly device: string; readonly driver: string; readonly iova: bigint; readonly flags: number }
  | {
      readonly kind: 'dma';
      readonly call: DmaCall;
      readonly device: string;
      readonly dir: DmaDir;
      readonly dmaAddr: bigint | null;
      readonly phys: bigint | null;
      readonly size: bigint | null;
      readonly attrs: string;
      readonly gfp: string | null;
      readonly sg: SgList | null;
    }
  | { readonly kind: 'marker'; readonly text: string }
  | { readonly kind: 'lost'; readonly count: number | null }
  | { readonly kind: 'raw'; readonly name: string; readonly text: string };

export type Located<R extends TraceRecord = TraceRecord> = R & { readonly at: LineContext };
