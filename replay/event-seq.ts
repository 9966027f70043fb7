import { type IommuEvent } from '../domain-events/index.js';

/**
 * Gives an event its journal position: events made with seq -1 take `seq`, an event that already
 * has one must be the one the journal expects next (both writers keep seq without gaps).
 */
export function assignSeq(e: IommuEvent, seq: number): void {
  if (e.seq === -1) (e as { seq: number }).seq = seq;
  else if (e.seq !== seq) throw new Error(`event ${e.type} has seq ${e.seq}, journal expects ${seq}`);
}
