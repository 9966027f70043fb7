// The operations `diff` aligns: each event that records a kernel decision becomes an op with a
// signature (what was asked: call, device, size, doorbell page) and an outcome (what the kernel
// chose: IOVA, page sizes, doorbell IOVA, errno, PASID). Physical addresses and domain ids are
// shown but not compared: they come from the workload or the boot, not from the IOMMU layer.
import { type IommuEvent } from '../domain-events/index.js';

export interface Op {
  readonly seq: number;
  readonly line: number | null;
  /** event family: ops of a family one run cannot produce (dma:* before 6.12) are left out */
  readonly family: 'dma' | 'iommu' | 'msi' | 'pasid' | 'ioas' | 'fault';
  readonly sig: string;
  readonly outcome: Readonly<Record<string, string>>;
  /** the event's type and domain, for the report (the event itself is not kept: traces are big) */
  readonly type: IommuEvent['type'];
  readonly domain: number | null;
}

const PAGE_MASK = ~0xfffn;

function hex(v: bigint | number | null | undefined): string {
  return v === null || v === undefined ? '-' : '0x' + v.toString(16);
}

function leavesOf(leaves: readonly { pgsize: bigint; count: number }[] | null): Record<string, string> {
  if (!leaves || !leaves.length) return {};
  return { 'page sizes': leaves.map((l) => `${l.count}×${hex(l.pgsize)}`).join(' ') };
}

/** Kernel calls whose page-table writes are the doorbell's: the MSI op that follows says it in MSI terms. */
const MSI_CALLS = new Set(['msi_enable', 'msi_disable', 'vfio_release', 'unmap_reserved', 'attach']);

/** The op an event records, or null when it records no decision `diff` compares. */
export function opOf(e: IommuEvent): Op | null {
  const domain = (e as { domain?: number | null }).domain ?? null;
  const base = { seq: e.seq, line: e.line, type: e.type, domain };
  if ((e.type === 'Mapped' || e.type === 'Unmapped' || e.type === 'MapFailed') && e.cmd !== null && MSI_CALLS.has(e.cmd)) return null;
  switch (e.type) {
    case 'DmaApiCalled': {
      const size = e.size ?? (e.sg ? e.sg.sizes.reduce((s, x) => s + x, 0n) : null);
      const iovas = e.sg ? e.sg.dmaAddrs.map(hex).join(',') : hex(e.dmaAddr);
      return { ...base, family: 'dma', sig: `dma_${e.call} ${e.device} size=${hex(size)} ${e.dir}`, outcome: { 'DMA address': iovas, errno: e.errno ?? 'ok' } };
    }
    // the dma_iova API (7.3): DMA-API calls without a dma:* event
    case 'DmaIovaAllocated':
      return { ...base, family: 'dma', sig: `dma_iova_try_alloc ${e.device} size=${hex(e.size)}`, outcome: { 'IOVA range': e.iova === null ? 'none' : `${hex(e.iova)}+${hex(e.length)}` } };
    case 'DmaIovaLinked':
      return { ...base, family: 'dma', sig: `dma_iova_link ${e.device} offset=${hex(e.offset)} size=${hex(e.size)}`, outcome: { 'IOVA linked': hex(e.iova), errno: e.errno ?? 'ok' } };
    case 'DmaIovaUnlinked':
      return { ...base, family: 'dma', sig: `dma_iova_unlink ${e.device} offset=${hex(e.offset)} size=${hex(e.size)}`, outcome: { 'IOVA unlinked': hex(e.iova), 'bytes unmapped': hex(e.unmapped) } };
    case 'DmaIovaFreed':
      return { ...base, family: 'dma', sig: `dma_iova_free ${e.device} size=${hex(e.size)}`, outcome: { 'IOVA range': `${hex(e.iova)}+${hex(e.length)}` } };
    case 'Mapped':
      return { ...base, family: 'iommu', sig: `map size=${hex(e.size)}`, outcome: { 'IOVA chosen': hex(e.iova), errno: 'ok', ...leavesOf(e.leaves) } };
    case 'MapFailed':
      return { ...base, family: 'iommu', sig: `map size=${hex(e.size)}`, outcome: { 'IOVA chosen': hex(e.iova), errno: e.errno ?? 'ok' } };
    case 'Unmapped':
      return { ...base, family: 'iommu', sig: `unmap size=${hex(e.size)}`, outcome: { 'IOVA unmapped': hex(e.iova), 'bytes unmapped': hex(e.unmappedSize) } };
    case 'MsiPageGot':
      return { ...base, family: 'msi', sig: `msi ${e.device ?? '-'} doorbell=${hex(e.doorbell & PAGE_MASK)}`, outcome: { 'doorbell IOVA': hex(e.iova), errno: 'ok' } };
    case 'MsiUntranslated':
      return { ...base, family: 'msi', sig: `msi ${e.device} doorbell=${hex(e.doorbell & PAGE_MASK)}`, outcome: { 'doorbell IOVA': 'untranslated', errno: 'ok' } };
    case 'MsiPagePut':
      return { ...base, family: 'msi', sig: `msi-put doorbell=${hex(e.doorbell)}`, outcome: { refcount: String(e.refcount), released: String(e.released) } };
    case 'SvaBound':
      return { ...base, family: 'pasid', sig: `sva_bind ${e.device} ${e.mm}`, outcome: { PASID: String(e.pasid), errno: e.errno ?? 'ok' } };
    case 'IoasAreaMapped':
      return { ...base, family: 'ioas', sig: `ioas_map length=${hex(e.length)}${e.auto ? ' auto' : ''}`, outcome: { 'IOVA chosen': hex(e.iova), errno: e.errno ?? 'ok' } };
    case 'IoasAreaUnmapped':
      return { ...base, family: 'ioas', sig: `ioas_unmap length=${hex(e.length)}`, outcome: { 'bytes unmapped': hex(e.unmapped), errno: e.errno ?? 'ok' } };
    case 'PageFaulted':
      return { ...base, family: 'fault', sig: `fault ${e.device}`, outcome: { 'fault IOVA': hex(e.iova) } };
    default:
      return null;
  }
}

/** One line for a diverging op, in kernel terms. */
export function describeOp(op: Op): string {
  const o = Object.entries(op.outcome)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const where = op.domain !== null ? ` [domain ${op.domain}]` : '';
  return `#${op.seq}${op.line !== null ? ` (line ${op.line})` : ''} ${op.type}${where}: ${op.sig}: ${o}`;
}

/** Ops split at markers (workload steps): the first alignment level. */
export interface Segment {
  /** marker text and its occurrence ("io#2"); "(start)" before the first marker */
  readonly key: string;
  readonly markerSeq: number | null;
  readonly ops: Op[];
}

export interface OpStream {
  readonly segments: Segment[];
  readonly families: Set<Op['family']>;
  readonly devices: Set<string>;
  readonly events: number;
}

export function collectOps(blocks: Iterable<readonly IommuEvent[]>, onEvent?: (e: IommuEvent) => void): OpStream {
  const segments: Segment[] = [{ key: '(start)', markerSeq: null, ops: [] }];
  const seen = new Map<string, number>();
  const families = new Set<Op['family']>();
  const devices = new Set<string>();
  let events = 0;
  for (const b of blocks)
    for (const e of b) {
      events++;
      onEvent?.(e);
      if (e.type === 'MarkerWritten') {
        const n = (seen.get(e.text) ?? 0) + 1;
        seen.set(e.text, n);
        segments.push({ key: n === 1 ? e.text : `${e.text}#${n}`, markerSeq: e.seq, ops: [] });
        continue;
      }
      if (e.type === 'DeviceAddedToGroup') devices.add(e.device);
      const op = opOf(e);
      if (!op) continue;
      families.add(op.family);
      segments[segments.length - 1].ops.push(op);
    }
  return { segments: segments.filter((s, i) => i > 0 || s.ops.length > 0), families, devices, events };
}
