// The sync checks of debug.c (6.1–7.2) check_sync: what the sync refers to.
import { type DmaApiCalled } from '../../domain-events/index.js';
import { type ShadowState } from '../shadow.js';
import { callRange, type DmaEntry } from '../../reducers/index.js';
import { containingEntry, isSyncCall } from './match.js';

export interface SyncTarget {
  readonly addr: bigint;
  readonly size: bigint;
  /** the live entry that holds the sync's first byte, if any */
  readonly entry: DmaEntry | undefined;
}

export function syncTarget(s: ShadowState, e: DmaApiCalled): SyncTarget | null {
  if (!isSyncCall(e.call)) return null;
  // sg syncs: the first segment and the total
  const r = callRange(e);
  if (r === null) return null;
  return { ...r, entry: containingEntry(s, e.device, r.addr) };
}
