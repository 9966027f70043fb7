import { type IommuEvent } from './catalog.js';

/**
 * Gives freshly made events their journal positions. Events are immutable once published;
 * this is the one write a producer makes before handing them over.
 */
export function stampSeq(events: IommuEvent[], firstSeq: number): number {
  let seq = firstSeq;
  for (const e of events) (e as { seq: number }).seq = seq++;
  return seq;
}
