// The layouts of the dma:* events whose print fmt libtraceevent cannot evaluate (sizeof,
// statement expressions), so that `trace-cmd report` prints them as `[FAILED TO PARSE]` with
// raw fields. Used only when the trace comes without the event's format (a bare report file):
// the layout is then assumed, and the import says so.
//
// From include/trace/events/dma.h (6.12; unchanged through 7.2 for these events): the
// TP_STRUCT__entry of each event, laid out as the kernel's trace_event_raw_* struct (8 bytes of
// common fields, then each field at its natural alignment; __string / __dynamic_array are a
// 32-bit data_loc), and the tables of decode_dma_data_direction and decode_dma_attrs.
import { type EventFormat, parseEventFormat } from './event-format.js';

export const ASSUMED_LAYOUT_SOURCE = 'include/trace/events/dma.h (6.12)';

type Decl = readonly [type: string, name: string];

const DEVICE: Decl = ['__data_loc char[]', 'device'];
const DIR: Decl = ['enum dma_data_direction', 'dir'];
const ATTRS: Decl = ['unsigned long', 'attrs'];

const ENTRIES: Readonly<Record<string, readonly Decl[]>> = {
  dma_map_sg: [DEVICE, ['int', 'full_nents'], ['int', 'full_ents'], ['bool', 'truncated'], ['__data_loc u64[]', 'phys_addrs'], ['__data_loc u64[]', 'dma_addrs'], ['__data_loc unsigned int[]', 'lengths'], DIR, ATTRS],
  dma_unmap_sg: [DEVICE, ['__data_loc u64[]', 'addrs'], DIR, ATTRS],
  dma_alloc_sgt: [DEVICE, ['__data_loc u64[]', 'phys_addrs'], ['u64', 'dma_addr'], ['size_t', 'size'], DIR, ['gfp_t', 'flags'], ATTRS],
  dma_free_sgt: [DEVICE, ['__data_loc u64[]', 'phys_addrs'], ['u64', 'dma_addr'], ['size_t', 'size'], DIR],
  dma_sync_sg_for_cpu: [DEVICE, ['__data_loc u64[]', 'dma_addrs'], ['__data_loc unsigned int[]', 'lengths'], DIR],
  dma_sync_sg_for_device: [DEVICE, ['__data_loc u64[]', 'dma_addrs'], ['__data_loc unsigned int[]', 'lengths'], DIR],
};

const DIR_TABLE = '__print_symbolic(REC->dir, { 0, "BIDIRECTIONAL" }, { 1, "TO_DEVICE" }, { 2, "FROM_DEVICE" }, { 3, "NONE" })';
const ATTRS_TABLE =
  '__print_flags(REC->attrs, "|", { (1UL << 1), "WEAK_ORDERING" }, { (1UL << 2), "WRITE_COMBINE" }, { (1UL << 4), "NO_KERNEL_MAPPING" }, { (1UL << 5), "SKIP_CPU_SYNC" }, { (1UL << 6), "FORCE_CONTIGUOUS" }, { (1UL << 7), "ALLOC_SINGLE_PAGES" }, { (1UL << 8), "NO_WARN" }, { (1UL << 9), "PRIVILEGED" })';

function sizeOf(type: string): number {
  if (type.startsWith('__data_loc')) return 4;
  if (type === 'bool') return 1;
  if (type === 'u64' || type === 'size_t' || type === 'unsigned long') return 8;
  return 4;
}

/** the format file text the kernel would print for one of these events (field offsets as the compiler lays them out) */
function formatText(name: string, decls: readonly Decl[]): string {
  const lines = [
    `name: ${name}`,
    'ID: 0',
    'format:',
    '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
    '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
    '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
    '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
    '',
  ];
  let offset = 8;
  for (const [type, field] of decls) {
    const size = sizeOf(type);
    offset = Math.ceil(offset / size) * size;
    lines.push(`\tfield:${type} ${field};\toffset:${offset};\tsize:${size};\tsigned:${type === 'int' ? 1 : 0};`);
    offset += size;
  }
  const tables = [DIR_TABLE, ...(decls.some(([, f]) => f === 'attrs') ? [ATTRS_TABLE] : [])];
  lines.push('', `print fmt: "%s", ${tables.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** The assumed layout of a dma:* event printed as [FAILED TO PARSE], or null when the header defines no such event. */
export function assumedDmaLayout(event: string): EventFormat | null {
  const decls = ENTRIES[event];
  return decls ? parseEventFormat(formatText(event, decls)) : null;
}

export const ASSUMED_EVENTS: readonly string[] = Object.keys(ENTRIES);
