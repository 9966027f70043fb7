// What the two sides of a JournalPipe say to each other (journal-pipe.ts, journal-pipe-worker.ts).
import { type MessagePort } from 'node:worker_threads';
import { type TimeJump } from './journal-format.js';
import { type JournalWriterOptions } from './journal-writer.js';

/** Int32 slots of the shared buffer */
export const SLOT = {
  /** bytes sent and not yet written (the caller waits while too many are) */
  inFlight: 0,
  /** bumped with each reply posted on the port (the caller waits on it) */
  replies: 1,
  /** the worker stopped at an error (its reply on the port says which) */
  failed: 2,
  size: 3,
} as const;

export interface PipeSetup {
  readonly path: string;
  readonly writer: JournalWriterOptions;
  readonly shared: Int32Array;
  readonly replies: MessagePort;
  readonly companion: { readonly module: string; readonly data?: unknown } | null;
}

export type PipeMessage =
  | { readonly op: 'events'; readonly firstSeq: number; readonly count: number; readonly packed: Uint8Array }
  | { readonly op: 'checkpoint'; readonly body: Uint8Array }
  | { readonly op: 'delta'; readonly body: Uint8Array }
  // values packed when sent (packValue): what the caller changes later is not what was recorded
  | { readonly op: 'checks'; readonly packed: Uint8Array }
  | { readonly op: 'companion-checks' }
  | { readonly op: 'note'; readonly packed: Uint8Array }
  // the clock's backward jumps were observed in the caller's thread, where the events are
  | { readonly op: 'close'; readonly whole: boolean; readonly timeJumps: readonly TimeJump[]; readonly timeJumpsTruncated: boolean }
  | { readonly op: 'abandon' };

/** Messages posted together, in order; `bytes` is what they added to SLOT.inFlight. */
export interface PipeBatch {
  readonly ops: readonly PipeMessage[];
  readonly bytes: number;
}

export interface SentError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type PipeReply = { readonly op: 'opened' } | { readonly op: 'closed'; readonly result?: unknown } | { readonly op: 'failed'; readonly error: SentError };
