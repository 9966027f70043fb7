// CSV for spreadsheets and pandas: one row per event, the envelope and the address fields every
// event family shares in fixed columns, the rest of the payload as JSON in the last column.
import { eventToJson, type IommuEvent } from '../../domain-events/index.js';
import { type TextSink } from './sink.js';

const ENVELOPE = ['seq', 'ts', 'cpu', 'type', 'src', 'line', 'how', 'conf'] as const;
const COMMON = ['domain', 'device', 'iova', 'paddr', 'size'] as const;
const SKIP = new Set<string>(['v', 'cmd', 'task', 'pid', 'irq', ...ENVELOPE, ...COMMON]);

export const CSV_HEADER = [...ENVELOPE, ...COMMON, 'task', 'pid', 'fields'];

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function exportCsv(blocks: Iterable<readonly IommuEvent[]>, out: TextSink): number {
  out.write(CSV_HEADER.join(',') + '\n');
  let n = 0;
  for (const b of blocks) {
    let chunk = '';
    for (const e of b) {
      const j = eventToJson(e);
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(j)) if (!SKIP.has(k) && v !== null) rest[k] = v;
      const row = [...ENVELOPE.map((k) => j[k]), ...COMMON.map((k) => j[k]), j.task, j.pid, Object.keys(rest).length ? rest : null];
      chunk += row.map(cell).join(',') + '\n';
    }
    out.write(chunk);
    n += b.length;
  }
  return n;
}
