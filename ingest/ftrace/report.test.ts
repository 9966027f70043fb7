// `trace-cmd report` text (trace-cmd 3.1.6 / libtraceevent 1.7), from the real report.txt of
// fixtures/traces/x86-q35-vtd-tcg-612-dat: every line kind, and the same records as the tracefs
// text of the same ring buffer.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../diagnostics.js';
import { readLines } from '../lines.js';
import { type Located } from '../records.js';
import { parseText } from '../test-support/parse-text.js';
import { FormatSet } from './format-set.js';
import { newHeader, parseTrace, type TraceHeader } from './parse.js';
import { scratchDir } from '../test-support/scratch.js';

const CAPTURE = 'fixtures/traces/x86-q35-vtd-tcg-612-dat';

async function parseFile(file: string, folder: string | null) {
  const diag = new Diagnostics();
  const header = newHeader();
  const records: Located[] = [];
  for await (const b of parseTrace(readLines(file), file, diag, header, FormatSet.fromFolder(folder))) records.push(...b);
  return { records, diag, header };
}

/** one report line, parsed with the capture's formats */
async function one(text: string) {
  const diag = new Diagnostics();
  const header: TraceHeader = newHeader();
  const { writeTemp } = await import('../test-support/parse-text.js');
  const file = writeTemp('report.txt', 'cpus=2\n' + text + '\n');
  const records: Located[] = [];
  for await (const b of parseTrace(readLines(file), file, diag, header, FormatSet.fromFolder(CAPTURE))) records.push(...b);
  expect(diag.problems).toEqual([]);
  expect(records).toHaveLength(1);
  return records[0];
}

describe('trace-cmd report lines of every event kind (real lines of report.txt)', () => {
  it('iommu:* events: padded event names, no irq-flags column', async () => {
    expect(await one('            init-1     [001]     2.062763: add_device_to_group:  IOMMU: groupID=0 device=0000:00:00.0')).toMatchObject({
      kind: 'group-add',
      group: 0,
      device: '0000:00:00.0',
      at: { task: 'init', pid: 1, cpu: 1, ts: 2_062_763_000, irq: null },
    });
    expect(await one('            init-1     [001]     2.089348: attach_device_to_domain: IOMMU: device=0000:00:00.0')).toMatchObject({ kind: 'attach', device: '0000:00:00.0' });
    expect(await one('            init-1     [000]     2.135805: map:                  IOMMU: iova=0x0000000000000000 - 0x0000000001000000 paddr=0x0000000000000000 size=16777216')).toMatchObject({
      kind: 'map',
      iova: 0n,
      paddr: 0n,
      size: 16777216n,
    });
    expect(await one('          insmod-147   [000]     4.637306: unmap:                IOMMU: iova=0x00000000ffff8000 - 0x00000000ffff9000 size=4096 unmapped_size=4096')).toMatchObject({ kind: 'unmap', iova: 0xffff8000n, size: 4096n, unmapped: 4096n });
  });
  it('dma:* events: the device without a device= key', async () => {
    expect(await one('          insmod-147   [000]     4.603894: dma_alloc:            0000:00:04.0 dir=BIDIRECTIONAL dma_addr=ffffe000 size=6726 virt_addr=0xff5943c040091000 flags=GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO attrs=NO_WARN')).toMatchObject({
      kind: 'dma',
      call: 'alloc',
      device: '0000:00:04.0',
      dmaAddr: 0xffffe000n,
      size: 6726n,
      gfp: 'GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO',
      attrs: 'NO_WARN',
    });
    expect(await one('          insmod-147   [000]     4.636070: dma_map_page:         0000:00:04.0 dir=TO_DEVICE dma_addr=ffffb0f8 size=16 phys_addr=78b00f8 attrs=')).toMatchObject({
      call: 'map_page',
      device: '0000:00:04.0',
      dir: 'TO_DEVICE',
      dmaAddr: 0xffffb0f8n,
      size: 16n,
      phys: 0x78b00f8n,
      attrs: '',
    });
    expect(await one('          insmod-147   [000]     4.637700: dma_unmap_page:       0000:00:04.0 dir=TO_DEVICE dma_addr=ffff8e00 size=48 attrs=')).toMatchObject({ call: 'unmap_page', dmaAddr: 0xffff8e00n, size: 48n });
  });
  it('dma_map_sg / dma_unmap_sg printed as [FAILED TO PARSE]: raw little-endian arrays decoded through the format', async () => {
    expect(
      await one(
        '       scsi_eh_0-162   [001]     5.778560: dma_map_sg:           [FAILED TO PARSE] device=0000:00:1f.2 full_nents=1 full_ents=1 truncated=0 phys_addrs=ARRAY[c0, e8, bd, 06, 00, 00, 00, 00] dma_addrs=ARRAY[c0, f8, f3, ff, 00, 00, 00, 00] lengths=ARRAY[00, 02, 00, 00] dir=2 attrs=0x0',
      ),
    ).toMatchObject({
      kind: 'dma',
      call: 'map_sg',
      device: '0000:00:1f.2',
      dir: 'FROM_DEVICE',
      dmaAddr: 0xfff3f8c0n,
      attrs: '',
      sg: { nents: 1, nentsTotal: 1, ents: 1, entsTotal: 1, dmaAddrs: [0xfff3f8c0n], sizes: [0x200n], physAddrs: [0x6bde8c0n], truncated: false },
    });
    expect(await one('       scsi_eh_4-170   [000]     5.779958: dma_unmap_sg:         [FAILED TO PARSE] device=0000:00:1f.2 addrs=ARRAY[c0, e8, bd, 06, 00, 00, 00, 00] dir=2 attrs=0x0')).toMatchObject({
      call: 'unmap_sg',
      dir: 'FROM_DEVICE',
      sg: { physAddrs: [0x6bde8c0n], nents: 1 },
    });
  });
  it('markers are event print with the writer symbol first', async () => {
    expect(await one('            init-1     [001]     4.525235: print:                tracing_mark_write: CAPTURE BEGIN workload=A2 tmode=dat: loading modules')).toMatchObject({
      kind: 'marker',
      text: 'CAPTURE BEGIN workload=A2 tmode=dat: loading modules',
    });
  });
  it('reads the header lines and the dropped-events forms of trace-cmd', async () => {
    const text = [
      'version = 6',
      'CPU 0 is empty',
      'cpus=4',
      'CPU:2 [204600 EVENTS DROPPED]',
      '          insmod-147   [002]     4.637306: unmap:                IOMMU: iova=0x00000000ffff8000 - 0x00000000ffff9000 size=4096 unmapped_size=4096',
      'CPU:3 [EVENTS DROPPED]',
    ].join('\n');
    const { records, problems, diag } = await parseText(text, 'report.txt');
    expect(problems).toEqual([]);
    expect(records.map((r) => r.kind)).toEqual(['lost', 'unmap', 'lost']);
    expect(records[0]).toMatchObject({ count: 204600, at: { cpu: 2 } });
    expect(records[2]).toMatchObject({ count: null, at: { cpu: 3 } });
    expect(diag.counts.lostEvents).toBe(204600);
    expect(diag.counts.headerLines).toBe(3);
  });
});

/** what the two printers say alike: everything but the line number and the irq-flags column report does not print */
function comparable(r: Located): unknown {
  const { at, ...rest } = r;
  return { ...rest, ts: at.ts, cpu: at.cpu, task: at.task, pid: at.pid };
}

describe('report.txt and trace.txt of the same ring buffer', () => {
  it('give the same records field for field (differences named)', async () => {
    const text = await parseFile(join(CAPTURE, 'trace.txt.gz'), CAPTURE);
    const report = await parseFile(join(CAPTURE, 'report.txt.gz'), CAPTURE);
    expect(text.diag.counts.parseErrors).toBe(0);
    expect(report.diag.counts.parseErrors).toBe(0);
    expect(report.records.length).toBe(38923);
    expect(report.records.length).toBe(text.records.length);
    const first = text.records.findIndex((r, i) => !isDeepStrictEqual(comparable(report.records[i]), comparable(r)));
    if (first >= 0) expect(comparable(report.records[first])).toEqual(comparable(text.records[first]));
    // the named differences: tracefs prints the irq-flags column, report does not; dma_alloc's
    // virt_addr (hashed %p in tracefs, the raw pointer in report) is not part of a record
    expect(text.records.every((r) => r.at.irq !== null)).toBe(true);
    expect(report.records.every((r) => r.at.irq === null)).toBe(true);
    expect(text.header).toMatchObject({ source: 'tracefs', cpus: 2, assumedLayouts: [] });
    expect(report.header).toMatchObject({ source: 'trace-cmd-report', cpus: 2, assumedLayouts: [] });
  });
  it('a bare report (no formats beside it) decodes the raw lines with the layout of dma.h and says it assumed it', async () => {
    const dir = scratchDir('ij-report-');
    copyFileSync(join(CAPTURE, 'report.txt.gz'), join(dir, 'report.txt.gz'));
    const bare = await parseFile(join(dir, 'report.txt.gz'), null);
    const withFormats = await parseFile(join(CAPTURE, 'report.txt.gz'), CAPTURE);
    expect(bare.diag.counts.parseErrors).toBe(0);
    expect(bare.records.map(comparable)).toEqual(withFormats.records.map(comparable));
    expect(bare.header.assumedLayouts).toEqual(['dma_map_sg: include/trace/events/dma.h (6.12)', 'dma_unmap_sg: include/trace/events/dma.h (6.12)']);
    expect(bare.diag.counts.assumedLayouts).toBe(2);
  });
});
