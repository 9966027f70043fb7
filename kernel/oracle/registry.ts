// Oracle formats by header kind. Each format module registers itself here.
import { type OracleFormat } from './types.js';

const formats = new Map<string, OracleFormat>();

export function registerOracleFormat(f: OracleFormat): void {
  formats.set(f.kind, f);
}

export function oracleFormat(kind: string): OracleFormat | undefined {
  return formats.get(kind);
}

export function oracleKinds(): string[] {
  return [...formats.keys()];
}
