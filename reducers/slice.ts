// One reducer per aggregate, each owning its part of the state and the events it handles
// (the Redux Toolkit slice shape). Two kinds:
//  - immer slices hold small records (groups, domains, cookies); a batch opens one draft.
//  - transient slices hold the big indexes (rbtree nodes, page-table runs, DMA-API entries)
//    in persistent maps and edit them under the batch's Tx.
import { type Draft } from 'immer';
import { type EventOf, type EventType } from '../domain-events/index.js';
import { type Tx } from './pmap.js';
import { type Hasher } from './hasher.js';
import { type ByteReader, type ByteWriter } from './bytes.js';

export type ImmerHandlers<S> = { [T in EventType]?: (draft: Draft<S>, e: EventOf<T>) => void };
export type TransientHandlers<S> = { [T in EventType]?: (s: S, e: EventOf<T>, tx: Tx) => S };

interface SliceCommon<S> {
  readonly name: string;
  readonly initial: S;
  /** plain data (msgpack-able, bigints allowed) for checkpoints */
  snapshot(s: S): unknown;
  restore(data: unknown): S;
  /** compact checkpoint form, for the big slices (checkpoint-*.ts); the rest store snapshot() */
  encode?(s: S, w: ByteWriter): void;
  decode?(r: ByteReader): S;
  /** what changed since `base` (an earlier state of the same run), for delta checkpoints */
  encodeDelta?(base: S, s: S, w: ByteWriter): void;
  decodeDelta?(base: S, r: ByteReader): S;
  /** feeds the slice's content, in a canonical order, to the state hash */
  hash(s: S, h: Hasher): void;
}

export interface ImmerSlice<S> extends SliceCommon<S> {
  readonly kind: 'immer';
  readonly on: ImmerHandlers<S>;
}

export interface TransientSlice<S> extends SliceCommon<S> {
  readonly kind: 'transient';
  readonly on: TransientHandlers<S>;
}

export type Slice<S> = ImmerSlice<S> | TransientSlice<S>;

export function immerSlice<S>(def: Omit<ImmerSlice<S>, 'kind'>): ImmerSlice<S> {
  return { kind: 'immer', ...def };
}

export function transientSlice<S>(def: Omit<TransientSlice<S>, 'kind'>): TransientSlice<S> {
  return { kind: 'transient', ...def };
}
