// iommu:* events and ftrace markers read by field name (include/trace/events/iommu.h
// TP_STRUCT__entry; kernel/trace/trace_entries.h `print`): the same records the text parsers
// of iommu.ts and families.ts give.
import { type FieldDecoder, missing } from './field-reader.js';
import { FieldProblem } from './fields.js';
import { type Parsed, unmapSizeProblem } from './iommu.js';

const SPAN = 1n << 64n;

const map: FieldDecoder = (r) => {
  const iova = r.num('iova');
  const paddr = r.num('paddr');
  const size = r.num('size');
  if (iova === null) return missing('iova');
  if (paddr === null) return missing('paddr');
  if (size === null) return missing('size');
  if (iova + size > SPAN) return new FieldProblem('size', 'iova + size passes 2^64');
  return { kind: 'map', iova, paddr, size };
};

const unmap: FieldDecoder = (r) => {
  const iova = r.num('iova');
  const size = r.num('size');
  const unmapped = r.num('unmapped_size');
  if (iova === null) return missing('iova');
  if (size === null) return missing('size');
  if (unmapped === null) return missing('unmapped_size');
  return unmapSizeProblem(size, unmapped) ?? { kind: 'unmap', iova, size, unmapped };
};

/** the group id is `gid` (iommu.h iommu_group_event), printed as groupID=%d */
function group(kind: 'group-add' | 'group-remove'): FieldDecoder {
  return (r): Parsed => {
    const gid = r.num('gid');
    const device = r.str('device');
    if (gid === null) return missing('gid');
    if (!device) return missing('device');
    return { kind, group: Number(BigInt.asIntN(32, gid)), device };
  };
}

function device(kind: 'attach' | 'detach'): FieldDecoder {
  return (r) => {
    const d = r.str('device');
    return d ? { kind, device: d } : missing('device');
  };
}

const fault: FieldDecoder = (r) => {
  const dev = r.str('device');
  const driver = r.str('driver');
  const iova = r.num('iova');
  const flags = r.num('flags');
  if (!dev) return missing('device');
  if (driver === null) return missing('driver');
  if (iova === null) return missing('iova');
  if (flags === null) return missing('flags');
  return { kind: 'fault', driver, device: dev, iova, flags: Number(flags & 0xffffffffn) };
};

/** tracing_mark_write's text; the kernel ends it with a newline, which the text line does not keep */
const print: FieldDecoder = (r) => {
  const buf = r.str('buf');
  return buf === null ? missing('buf') : { kind: 'marker', text: buf.endsWith('\n') ? buf.slice(0, -1) : buf };
};

export const iommuFieldFamily: Readonly<Record<string, FieldDecoder>> = {
  map,
  unmap,
  add_device_to_group: group('group-add'),
  remove_device_from_group: group('group-remove'),
  attach_device_to_domain: device('attach'),
  detach_device_from_domain: device('detach'),
  io_page_fault: fault,
};

export const markerFieldFamily: Readonly<Record<string, FieldDecoder>> = { print };
