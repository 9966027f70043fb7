// iommu:* events (include/trace/events/iommu.h; identical print formats in 6.1, 6.12, 7.2).
import { Interner, utf8 } from '../bytes.js';
import { type TraceRecord } from '../records.js';
import { type BodyFields, fieldKey, FieldProblem, hexValue } from './fields.js';

/** A family parser's answer: the record, or what is wrong with the line. */
export type Parsed = TraceRecord | FieldProblem;
export type FamilyParser = (f: BodyFields) => Parsed;

const U64 = (1n << 64n) - 1n;
const SPAN = 1n << 64n;

const IOVA = fieldKey('iova');
const PADDR = fieldKey('paddr');
const SIZE = fieldKey('size');
const UNMAPPED_SIZE = fieldKey('unmapped_size');
const GROUP_ID = fieldKey('groupID');
const DEVICE = fieldKey('device');
const FLAGS = fieldKey('flags');

/** device names, by their bytes */
export const names = new Interner();

/**
 * The second address of `iova=0x%016llx - 0x%016llx`, which the kernel prints as
 * REC->iova + REC->size (iommu.h 6.12, u64 arithmetic): a line where it is not iova + size says
 * two different things, and neither can be trusted.
 */
function rangeEndMismatch(f: BodyFields, iova: bigint, size: bigint): FieldProblem | null {
  const b = f.buf;
  // the first ' - ' after the first 'iova=' (from the start when there is none)
  let from = f.start;
  for (let i = f.start; i + 5 <= f.end; i++)
    if (b[i] === 105 && b[i + 1] === 111 && b[i + 2] === 118 && b[i + 3] === 97 && b[i + 4] === 61) {
      from = i;
      break;
    }
  let at = -1;
  for (let i = from; i + 3 <= f.end; i++)
    if (b[i] === 32 && b[i + 1] === 45 && b[i + 2] === 32) {
      at = i;
      break;
    }
  if (at < 0) return null;
  let e = at + 3;
  while (e < f.end && b[e] !== 32) e++;
  const end = hexValue(b, at + 3, e);
  if (end === null) return new FieldProblem('iova', `range end ${JSON.stringify(utf8(b, at + 3, e).slice(0, 24))} is not a 64-bit hex value`);
  const expected = (iova + size) & U64;
  return end === expected ? null : new FieldProblem('size', `size=${size} but the range ends at 0x${end.toString(16)}, not iova + size = 0x${expected.toString(16)}: line skipped`);
}

/** map: "IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu" */
function map(f: BodyFields): Parsed {
  const iova = f.hex(IOVA);
  if (typeof iova !== 'bigint') return iova;
  const paddr = f.hex(PADDR);
  if (typeof paddr !== 'bigint') return paddr;
  const size = f.dec(SIZE);
  if (typeof size !== 'bigint') return size;
  if (iova + size > SPAN) return new FieldProblem('size', `iova + size passes 2^64`);
  return rangeEndMismatch(f, iova, size) ?? { kind: 'map', iova, paddr, size };
}

/** iommu.c (6.12) __iommu_unmap: nothing is unmapped for a request of 0 bytes (larger than asked is VT-d unmapping a whole superpage) */
export function unmapSizeProblem(size: bigint, unmapped: bigint): FieldProblem | null {
  return size === 0n && unmapped > 0n ? new FieldProblem('unmapped_size', `${unmapped} bytes unmapped for a request of size=0: line skipped`) : null;
}

/** unmap: "IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu" */
function unmap(f: BodyFields): Parsed {
  const iova = f.hex(IOVA);
  if (typeof iova !== 'bigint') return iova;
  const size = f.dec(SIZE);
  if (typeof size !== 'bigint') return size;
  const unmapped = f.dec(UNMAPPED_SIZE);
  if (typeof unmapped !== 'bigint') return unmapped;
  return unmapSizeProblem(size, unmapped) ?? rangeEndMismatch(f, iova, size) ?? { kind: 'unmap', iova, size, unmapped };
}

function group(kind: 'group-add' | 'group-remove'): FamilyParser {
  return (f) => {
    const g = f.int(GROUP_ID);
    if (typeof g !== 'number') return g;
    const d = f.str(DEVICE, names);
    if (typeof d !== 'string') return d;
    return { kind, group: g, device: d };
  };
}

function device(kind: 'attach' | 'detach'): FamilyParser {
  return (f) => {
    const d = f.str(DEVICE, names);
    return typeof d === 'string' ? { kind, device: d } : d;
  };
}

/** io_page_fault: "IOMMU:%s %s iova=0x%016llx flags=0x%04x" (driver, device; no space after IOMMU:) */
function fault(f: BodyFields): Parsed {
  const body = f.text;
  if (!body.startsWith('IOMMU:')) return new FieldProblem('IOMMU', 'missing prefix');
  const parts = body.slice(6).trim().split(' ');
  if (parts.length < 4) return new FieldProblem('device', 'missing driver or device');
  const iova = f.hex(IOVA);
  if (typeof iova !== 'bigint') return iova;
  const flags = f.hex(FLAGS);
  if (typeof flags !== 'bigint') return flags;
  return { kind: 'fault', driver: parts[0], device: parts[1], iova, flags: Number(flags) };
}

export const iommuFamily: Readonly<Record<string, FamilyParser>> = {
  map,
  unmap,
  add_device_to_group: group('group-add'),
  remove_device_from_group: group('group-remove'),
  attach_device_to_domain: device('attach'),
  detach_device_from_domain: device('detach'),
  io_page_fault: fault,
};
