// The checks as a companion in the journal writer's thread (replay/journal-pipe-worker.ts loads
// this module): every registered check, fed with the events of each block written there,
// saving what bisect needs beside each checkpoint, and its finding totals sent back at close.
import { type IommuEvent } from '../domain-events/index.js';
import { checkCompanion } from './companion.js';

export function createCompanion(): { feed(events: readonly IommuEvent[]): void; save(): Record<string, unknown>; result(): unknown } {
  const c = checkCompanion();
  return { feed: (events) => c.feed(events), save: () => c.save(), result: () => ({ totals: { ...c.totals } }) };
}
