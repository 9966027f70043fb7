// A companion module for journal-pipe tests: counts the events it is fed, saves that count, and
// fails on purpose once it has seen `failAt` events.
import { type IommuEvent } from '../../domain-events/index.js';

export function createCompanion(data: { failAt?: number } = {}): { feed(events: readonly IommuEvent[]): void; save(): Record<string, unknown>; result(): unknown } {
  let seen = 0;
  let lastSeq = -1;
  return {
    feed(events) {
      for (const e of events) {
        if (e.seq !== lastSeq + 1) throw new Error(`companion fed seq ${e.seq} after ${lastSeq}`);
        lastSeq = e.seq;
      }
      seen += events.length;
      if (data.failAt !== undefined && seen >= data.failAt) throw new Error(`companion failed on purpose at ${seen} events`);
    },
    save: () => ({ seen }),
    result: () => ({ seen }),
  };
}
