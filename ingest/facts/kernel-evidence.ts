// Which kernels could have written the trace, from the events it has (reference §7.3, §4.8):
//  - dma:* events exist from Linux 6.12 (include/trace/events/dma.h, "dma-mapping: add tracing
//    for dma-mapping API calls"; present in 6.12.117, absent in 6.1.192);
//  - dma_map_phys / dma_unmap_phys replace dma_map_page / dma_unmap_page in 7.x (present in
//    7.2.13; the exact release of the rename is not verified);
//  - detach_device_from_domain is gone after ~6.2 (present in 6.1.192, absent in 6.12.117).
// Absence says nothing: the dma events may simply not have been recorded.
import { type Located } from '../records.js';

export type DmaNames = '6.12' | '7.x';

export interface KernelClue {
  /** the trace's dma:* events name the 6.12 or the 7.x calls; null: none seen */
  readonly dma: DmaNames | null;
  readonly dmaLine: number | null;
  /** line of a detach_device_from_domain event (kernels up to ~6.2) */
  readonly detachLine: number | null;
}

export class KernelEvidence {
  private dmaLine: number | null = null;
  private names: DmaNames | null = null;
  private detachLine: number | null = null;
  /** a map_page / unmap_page call was seen: its event name told 6.12 from 7.x */
  private sawPageCall = false;

  push(r: Located): void {
    if (r.kind === 'dma') {
      if (this.dmaLine === null) this.dmaLine = r.at.line;
      this.names ??= '6.12';
      if (r.call === 'map_page' || r.call === 'unmap_page') this.sawPageCall = true;
    }
    if (r.kind === 'detach' && this.detachLine === null) this.detachLine = r.at.line;
  }

  /** an event name as the trace spells it (the text reader passes each one it sees) */
  eventName(name: string): void {
    if (name === 'dma_map_phys' || name === 'dma_unmap_phys') this.names = '7.x';
  }

  get settled(): boolean {
    return this.detachLine !== null || (this.dmaLine !== null && this.sawPageCall);
  }

  clue(): KernelClue {
    return { dma: this.dmaLine === null ? null : this.names, dmaLine: this.dmaLine, detachLine: this.detachLine };
  }
}
