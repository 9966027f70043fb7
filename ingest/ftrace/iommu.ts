// iommu:* events (include/trace/events/iommu.h; identical print formats in 6.1, 6.12, 7.2).
import { type TraceRecord } from '../records.js';
import { decInt, decU64, type FieldResult, hexU64, str } from './fields.js';

export type Parsed = { ok: true; record: TraceRecord } | { ok: false; field: string; problem: string };
export type FamilyParser = (body: string) => Parsed;

function fail(r: FieldResult<unknown>): Parsed {
  return r.ok ? { ok: false, field: '?', problem: 'internal' } : { ok: false, field: r.field, problem: r.problem };
}

const U64 = (1n << 64n) - 1n;

/**
 * The second address of `iova=0x%016llx - 0x%016llx`, which the kernel prints as
 * REC->iova + REC->size (iommu.h 6.12, u64 arithmetic): a line where it is not iova + size says
 * two different things, and neither can be trusted.
 */
function rangeEndMismatch(body: string, iova: bigint, size: bigint): Parsed | null {
  const at = body.indexOf(' - ', body.indexOf('iova='));
  if (at < 0) return null;
  const endText = body.slice(at + 3).split(' ', 1)[0];
  const end = hexU64(endText, '', endText);
  if (!end.ok) return { ok: false, field: 'iova', problem: `range end ${JSON.stringify(endText.slice(0, 24))} is not a 64-bit hex value` };
  const expected = (iova + size) & U64;
  return end.value === expected ? null : { ok: false, field: 'size', problem: `size=${size} but the range ends at 0x${end.value.toString(16)}, not iova + size = 0x${expected.toString(16)}: line skipped` };
}

/** map: "IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu" */
function map(body: string): Parsed {
  const iova = hexU64(body, 'iova');
  const paddr = hexU64(body, 'paddr');
  const size = decU64(body, 'size');
  if (!iova.ok) return fail(iova);
  if (!paddr.ok) return fail(paddr);
  if (!size.ok) return fail(size);
  if (iova.value + size.value > 1n << 64n) return { ok: false, field: 'size', problem: `iova + size passes 2^64` };
  const end = rangeEndMismatch(body, iova.value, size.value);
  if (end) return end;
  return { ok: true, record: { kind: 'map', iova: iova.value, paddr: paddr.value, size: size.value } };
}

/** iommu.c (6.12) __iommu_unmap: nothing is unmapped for a request of 0 bytes (larger than asked is VT-d unmapping a whole superpage) */
export function unmapSizeProblem(size: bigint, unmapped: bigint): Parsed | null {
  return size === 0n && unmapped > 0n ? { ok: false, field: 'unmapped_size', problem: `${unmapped} bytes unmapped for a request of size=0: line skipped` } : null;
}

/** unmap: "IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu" */
function unmap(body: string): Parsed {
  const iova = hexU64(body, 'iova');
  const size = decU64(body, 'size');
  const unmapped = decU64(body, 'unmapped_size');
  if (!iova.ok) return fail(iova);
  if (!size.ok) return fail(size);
  if (!unmapped.ok) return fail(unmapped);
  const bad = unmapSizeProblem(size.value, unmapped.value) ?? rangeEndMismatch(body, iova.value, size.value);
  if (bad) return bad;
  return { ok: true, record: { kind: 'unmap', iova: iova.value, size: size.value, unmapped: unmapped.value } };
}

function group(kind: 'group-add' | 'group-remove'): FamilyParser {
  return (body) => {
    const g = decInt(body, 'groupID');
    const d = str(body, 'device');
    if (!g.ok) return fail(g);
    if (!d.ok) return fail(d);
    return { ok: true, record: { kind, group: g.value, device: d.value } };
  };
}

function device(kind: 'attach' | 'detach'): FamilyParser {
  return (body) => {
    const d = str(body, 'device');
    return d.ok ? { ok: true, record: { kind, device: d.value } } : fail(d);
  };
}

/** io_page_fault: "IOMMU:%s %s iova=0x%016llx flags=0x%04x" (driver, device; no space after IOMMU:) */
function fault(body: string): Parsed {
  if (!body.startsWith('IOMMU:')) return { ok: false, field: 'IOMMU', problem: 'missing prefix' };
  const parts = body.slice(6).trim().split(' ');
  if (parts.length < 4) return { ok: false, field: 'device', problem: 'missing driver or device' };
  const iova = hexU64(body, 'iova');
  const flags = hexU64(body, 'flags');
  if (!iova.ok) return fail(iova);
  if (!flags.ok) return fail(flags);
  return { ok: true, record: { kind: 'fault', driver: parts[0], device: parts[1], iova: iova.value, flags: Number(flags.value) } };
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
