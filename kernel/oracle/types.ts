// Replaying golden vectors from the real kernel code (shared/oracles) through the deciders and
// reducers. A format knows its ops; a session runs one file's ops in order and returns, for each,
// the outputs the model produced; the runner compares them with the file's, field by field.
import { type Profile } from '../profile.js';

export type OracleRecord = Readonly<Record<string, unknown>>;

export interface OracleSession {
  /**
   * Runs one op (its inputs are in `rec`) and returns the model's value for every output field
   * the format defines for this op (plus `warn`, 0 when no WARN fired). Throws
   * OracleInputError for an unknown op or a missing / malformed input field.
   */
  step(rec: OracleRecord): Record<string, unknown>;
}

export interface OracleFormat {
  /** the header's `kind` ("iova-oracle", "io-pgtable-arm-oracle", "ioasid-oracle", "pasid-oracle") */
  readonly kind: string;
  /** output fields of an op, compared when the record has them; undefined = unknown op */
  outputs(op: string): readonly string[] | undefined;
  open(header: OracleRecord, profile: Profile): OracleSession;
}

/** A bad oracle line: names the field. */
export class OracleInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads an input field of an op record, or throws naming it. */
export function input<T>(rec: OracleRecord, field: string, check: (v: unknown) => v is T, what: string): T {
  const v = rec[field];
  if (v === undefined) throw new OracleInputError(field, `missing input field "${field}"`);
  if (!check(v)) throw new OracleInputError(field, `"${field}" should be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isIntOrNull = (v: unknown): v is number | null => v === null || isInt(v);
export const isStrOrNull = (v: unknown): v is string | null => v === null || isStr(v);

export interface OracleMismatch {
  readonly line: number;
  readonly op: string;
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

export interface OracleFileReport {
  readonly file: string;
  readonly kernel: string;
  readonly kind: string;
  readonly profile: string;
  /** the file's kernel has no profile of its own: what stood in for it (kernelProfile) */
  readonly assumed: string | null;
  readonly ops: number;
  readonly matched: number;
  /** first 20 mismatches (bad input lines are listed here too, with field and message) */
  readonly mismatches: OracleMismatch[];
  readonly mismatchCount: number;
  /** problems with the file itself (unknown kernel or format) */
  readonly errors: string[];
}
