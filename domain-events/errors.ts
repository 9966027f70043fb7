/**
 * An error the user caused (bad input file, unknown name, impossible request). The CLI prints
 * its message — which must say where and what — without a stack trace. Anything else that
 * escapes is our bug.
 */
export class InputError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && (e as { userFacing?: boolean }).userFacing === true;
}
