// How the CLI speaks: --json puts one JSON object per result on its own stdout line (bigints as
// "0x…"), human output is aligned text; warnings and progress go to stderr.
import { stringifyJson } from '../domain-events/index.js';

export function printJson(value: unknown): void {
  process.stdout.write(stringifyJson(value) + '\n');
}

export function println(line = ''): void {
  process.stdout.write(line + '\n');
}

export function warn(message: string): void {
  process.stderr.write(`iommu-journal: ${message}\n`);
}

export function hex(v: bigint | number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return '0x' + v.toString(16);
}

/** 0x1000 -> "4 KiB", 3 GiB exact, otherwise one decimal */
export function bytes(v: bigint | number): string {
  const n = typeof v === 'bigint' ? Number(v) : v;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let x = n;
  while (Math.abs(x) >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${Number.isInteger(x) ? x : x.toFixed(1)} ${units[u]}`;
}

export function table(rows: (string | number)[][], header?: string[]): string[] {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)));
  return all.map((r) => r.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd());
}
