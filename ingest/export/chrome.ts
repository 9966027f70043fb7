// Chrome trace event JSON (opens in ui.perfetto.dev and chrome://tracing): one process per
// domain with its mappings as async slices from map to unmap and a mapped-bytes counter, one
// process for the devices' DMA-API calls (a thread per device), markers and lost events as
// global instants. Timestamps are the trace's, in microseconds.
import { type IommuEvent } from '../../domain-events/index.js';
import { type TextSink } from './sink.js';

interface Open {
  readonly seq: number;
  readonly size: bigint;
  readonly paddr: bigint;
  readonly line: number | null;
}

const DEVICES_PID = 0;
const hex = (v: bigint) => '0x' + v.toString(16);

export class ChromeExporter {
  private first = true;
  private lastUs = 0;
  private readonly open = new Map<number, Map<bigint, Open>>();
  private readonly mapped = new Map<number, bigint>();
  private readonly deviceTid = new Map<string, number>();
  private readonly domainOf = new Map<string, number>();

  constructor(private readonly out: TextSink) {
    out.write('{"displayTimeUnit":"ns","traceEvents":[\n');
    this.emit({ ph: 'M', pid: DEVICES_PID, name: 'process_name', args: { name: 'devices (DMA API)' } });
  }

  private emit(o: Record<string, unknown>): void {
    this.out.write((this.first ? '' : ',\n') + JSON.stringify(o));
    this.first = false;
  }

  private us(e: IommuEvent): number {
    // events without a timestamp (derived ones, gaps) sit at the last known time
    if (e.ts !== null && e.ts !== undefined) this.lastUs = Number(e.ts) / 1000;
    return this.lastUs;
  }

  private counter(domain: number, ts: number, delta: bigint): void {
    const v = (this.mapped.get(domain) ?? 0n) + delta;
    this.mapped.set(domain, v);
    this.emit({ ph: 'C', pid: domain, name: 'mapped bytes', ts, args: { bytes: Number(v) } });
  }

  private tidOf(device: string): number {
    let t = this.deviceTid.get(device);
    if (t === undefined) {
      t = this.deviceTid.size + 1;
      this.deviceTid.set(device, t);
      this.emit({ ph: 'M', pid: DEVICES_PID, tid: t, name: 'thread_name', args: { name: device } });
    }
    return t;
  }

  private close(domain: number, iova: bigint, o: Open, ts: number, unmapSeq: number | null): void {
    this.emit({ ph: 'e', cat: 'mapping', name: `map ${hex(o.size)}`, id: `d${domain}-${o.seq}`, pid: domain, tid: domain, ts, args: { unmapSeq } });
    this.counter(domain, ts, -o.size);
    this.open.get(domain)!.delete(iova);
  }

  push(e: IommuEvent): void {
    const ts = this.us(e);
    switch (e.type) {
      case 'DomainAllocated':
        this.open.set(e.domain, new Map());
        this.emit({ ph: 'M', pid: e.domain, name: 'process_name', args: { name: `domain ${e.domain} (${e.domainType})` } });
        this.emit({ ph: 'M', pid: e.domain, tid: e.domain, name: 'thread_name', args: { name: 'mappings' } });
        return;
      case 'DeviceAttached':
        this.domainOf.set(e.device, e.domain);
        this.emit({ ph: 'i', s: 't', pid: e.domain, tid: e.domain, ts, name: `attach ${e.device}`, args: { seq: e.seq, line: e.line } });
        return;
      case 'Mapped': {
        const lane = this.open.get(e.domain) ?? this.open.set(e.domain, new Map()).get(e.domain)!;
        lane.set(e.iova, { seq: e.seq, size: e.size, paddr: e.paddr, line: e.line ?? null });
        this.emit({
          ph: 'b',
          cat: 'mapping',
          name: `map ${hex(e.size)}`,
          id: `d${e.domain}-${e.seq}`,
          pid: e.domain,
          tid: e.domain,
          ts,
          args: { iova: hex(e.iova), paddr: hex(e.paddr), size: hex(e.size), seq: e.seq, line: e.line, how: e.how },
        });
        this.counter(e.domain, ts, e.size);
        return;
      }
      case 'Unmapped': {
        const lane = this.open.get(e.domain);
        if (!lane) return;
        // an sg list or a coherent buffer is unmapped as one range over several maps
        const end = e.iova + e.size;
        let cur = e.iova;
        for (let o = lane.get(cur); o && cur < end; o = lane.get(cur)) {
          const at = cur;
          cur += o.size;
          this.close(e.domain, at, o, ts, e.seq);
        }
        if (cur < end) for (const [iova, o] of [...lane]) if (iova >= e.iova && iova < end) this.close(e.domain, iova, o, ts, e.seq);
        return;
      }
      case 'DmaApiCalled':
        this.emit({
          ph: 'i',
          s: 't',
          pid: DEVICES_PID,
          tid: this.tidOf(e.device),
          ts,
          name: `dma_${e.call}`,
          args: { dir: e.dir, dmaAddr: e.dmaAddr === null ? null : hex(e.dmaAddr), size: e.size === null ? null : hex(e.size), seq: e.seq, line: e.line },
        });
        return;
      case 'MarkerWritten':
        this.emit({ ph: 'i', s: 'g', pid: DEVICES_PID, tid: 0, ts, name: e.text, args: { seq: e.seq, line: e.line } });
        return;
      case 'EventsLost':
        this.emit({ ph: 'i', s: 'g', pid: DEVICES_PID, tid: 0, ts, name: `LOST ${e.count ?? '?'} EVENTS`, args: { seq: e.seq, line: e.line } });
        return;
      case 'PageFaulted':
        this.emit({ ph: 'i', s: 'p', pid: this.domainOf.get(e.device) ?? DEVICES_PID, tid: 0, ts, name: `io_page_fault ${hex(e.iova)}`, args: { device: e.device, seq: e.seq, line: e.line } });
        return;
      default:
        return;
    }
  }

  /** Mappings still live at the end end there, marked live. */
  finish(): void {
    for (const [domain, lane] of this.open)
      for (const o of lane.values()) this.emit({ ph: 'e', cat: 'mapping', name: `map ${hex(o.size)}`, id: `d${domain}-${o.seq}`, pid: domain, tid: domain, ts: this.lastUs, args: { live: true } });
    this.out.write('\n]}\n');
  }
}

export function exportChrome(blocks: Iterable<readonly IommuEvent[]>, out: TextSink): number {
  const x = new ChromeExporter(out);
  let n = 0;
  for (const b of blocks) {
    for (const e of b) x.push(e);
    n += b.length;
  }
  x.finish();
  return n;
}
