// Every event format the parser reads, from lines as the kernel prints them (6.1 iommu:* and
// 6.12 dma:* print fmts of the captured formats/ files), and what bad lines do.
import { describe, expect, it } from 'vitest';
import { HEADER, line, parseText } from '../test-support/parse-text.js';

async function one(event: string, body: string) {
  const { records, problems } = await parseText(HEADER + line('kworker/0:1-38', 0, '2.164363', event, body) + '\n');
  expect(problems).toEqual([]);
  expect(records).toHaveLength(1);
  return records[0];
}

describe('ftrace line context', () => {
  it('reads task, pid, cpu, irq flags and the timestamp exactly in ns', async () => {
    const r = await one('map', 'IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000 paddr=0x0000000074df7000 size=4096');
    expect(r.at).toMatchObject({ task: 'kworker/0:1', pid: 38, cpu: 0, ts: 2_164_363_000, line: 5 });
  });
  it('takes trace-cmd report lines (no irq-flags column) and CRLF line ends', async () => {
    const text = 'cpus=1\r\n          insmod-115   [000]     2.310564: map:                  IOMMU: iova=0x00000000fffc0000 - 0x00000000fffc1000 paddr=0x0000000074cff000 size=4096\r\n';
    const { records, problems } = await parseText(text);
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ kind: 'map', iova: 0xfffc0000n, size: 4096n });
  });
});

describe('iommu:* events (Linux 6.1/6.12 include/trace/events/iommu.h)', () => {
  it('map with full 64-bit addresses', async () => {
    expect(await one('map', 'IOMMU: iova=0xfffffffffffff000 - 0x0000000000000000 paddr=0x0001000000000000 size=4096')).toMatchObject({
      kind: 'map',
      iova: 0xfffffffffffff000n,
      paddr: 0x1_0000_0000_0000n,
      size: 4096n,
    });
  });
  it('unmap', async () => {
    expect(await one('unmap', 'IOMMU: iova=0x00000000ffffd000 - 0x00000000ffffe000 size=4096 unmapped_size=4096')).toMatchObject({ kind: 'unmap', iova: 0xffffd000n, size: 4096n, unmapped: 4096n });
  });
  it('add / remove device to / from group', async () => {
    expect(await one('add_device_to_group', 'IOMMU: groupID=3 device=0000:00:06.0')).toMatchObject({ kind: 'group-add', group: 3, device: '0000:00:06.0' });
    expect(await one('remove_device_from_group', 'IOMMU: groupID=3 device=0000:00:06.0')).toMatchObject({ kind: 'group-remove', group: 3, device: '0000:00:06.0' });
  });
  it('attach / detach', async () => {
    expect(await one('attach_device_to_domain', 'IOMMU: device=0000:00:06.0')).toMatchObject({ kind: 'attach', device: '0000:00:06.0' });
    expect(await one('detach_device_from_domain', 'IOMMU: device=0000:00:06.0')).toMatchObject({ kind: 'detach', device: '0000:00:06.0' });
  });
  it('io_page_fault', async () => {
    expect(await one('io_page_fault', 'IOMMU:arm-smmu-v3 0000:00:03.0 iova=0x00000000fff00000 flags=0x0002')).toMatchObject({ kind: 'fault', driver: 'arm-smmu-v3', device: '0000:00:03.0', iova: 0xfff00000n, flags: 2 });
  });
});

describe('dma:* events (Linux 6.12 include/trace/events/dma.h)', () => {
  it('map_page / unmap_page', async () => {
    expect(await one('dma_map_page', '0000:00:04.0 dir=TO_DEVICE dma_addr=ffffb1f8 size=16 phys_addr=480b21f8 attrs=')).toMatchObject({ kind: 'dma', call: 'map_page', device: '0000:00:04.0', dir: 'TO_DEVICE', dmaAddr: 0xffffb1f8n, phys: 0x480b21f8n, size: 16n });
    expect(await one('dma_unmap_page', '0000:00:04.0 dir=TO_DEVICE dma_addr=ffff8300 size=48 attrs=')).toMatchObject({ kind: 'dma', call: 'unmap_page', dmaAddr: 0xffff8300n, size: 48n });
  });
  it('map_resource / unmap_resource', async () => {
    expect(await one('dma_map_resource', '0000:00:04.0 dir=BIDIRECTIONAL dma_addr=fffff000 size=4096 phys_addr=8090000 attrs=SKIP_CPU_SYNC')).toMatchObject({ call: 'map_resource', phys: 0x8090000n, attrs: 'SKIP_CPU_SYNC' });
    expect(await one('dma_unmap_resource', '0000:00:04.0 dir=BIDIRECTIONAL dma_addr=fffff000 size=4096 attrs=')).toMatchObject({ call: 'unmap_resource', dmaAddr: 0xfffff000n });
  });
  it('map_sg with its arrays, and [TRUNCATED]', async () => {
    const r = await one('dma_map_sg', '0000:00:07.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0xfff1f000,0xfff20000} sizes={0x1000,0x2000} phys_addrs={0x4803e000,0x4a000000} attrs=');
    expect(r).toMatchObject({ call: 'map_sg', sg: { dmaAddrs: [0xfff1f000n, 0xfff20000n], sizes: [0x1000n, 0x2000n], physAddrs: [0x4803e000n, 0x4a000000n], truncated: false } });
    const t = await one('dma_map_sg', '0000:00:07.0 dir=FROM_DEVICE nents=200/200 ents=1/1 dma_addrs={0xfff00000} [TRUNCATED] sizes={0x1000} [TRUNCATED] phys_addrs={0x4803e000} [TRUNCATED] attrs=');
    expect(t).toMatchObject({ call: 'map_sg', sg: { truncated: true } });
  });
  it('unmap_sg', async () => {
    expect(await one('dma_unmap_sg', '0000:00:07.0 dir=FROM_DEVICE phys_addrs={0x4803e900} attrs=')).toMatchObject({ call: 'unmap_sg', dir: 'FROM_DEVICE' });
  });
  it('alloc / free (coherent)', async () => {
    expect(await one('dma_alloc', '0000:00:04.0 dir=BIDIRECTIONAL dma_addr=ffffe000 size=6726 virt_addr=00000000d52712aa flags=GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO attrs=NO_WARN')).toMatchObject({
      call: 'alloc',
      dmaAddr: 0xffffe000n,
      size: 6726n,
      gfp: 'GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO',
      attrs: 'NO_WARN',
    });
    expect(await one('dma_free', '0000:00:04.0 dir=BIDIRECTIONAL dma_addr=ffffe000 size=6726 virt_addr=00000000d52712aa attrs=')).toMatchObject({ call: 'free', dmaAddr: 0xffffe000n, size: 6726n });
  });
  it('sync single for cpu / device', async () => {
    expect(await one('dma_sync_single_for_cpu', '0000:00:05.0 dir=FROM_DEVICE dma_addr=fffe0000 size=2048')).toMatchObject({ call: 'sync_single_for_cpu', dmaAddr: 0xfffe0000n, size: 2048n });
    expect(await one('dma_sync_single_for_device', '0000:00:05.0 dir=FROM_DEVICE dma_addr=fffe0000 size=2048')).toMatchObject({ call: 'sync_single_for_device' });
  });
});

describe('markers, lost events, and lines the model does not interpret', () => {
  it('tracing_mark_write is a marker', async () => {
    expect(await one('tracing_mark_write', 'CAPTURE BEGIN workload=A')).toMatchObject({ kind: 'marker', text: 'CAPTURE BEGIN workload=A' });
  });
  it('LOST EVENTS is a record, not a parse error', async () => {
    const { records, problems } = await parseText(HEADER + 'CPU:0 [LOST 1234 EVENTS]\n' + line('dd-1', 0, '1.000001', 'map', 'IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000 paddr=0x0000000074df7000 size=4096') + '\n');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ kind: 'lost', count: 1234 });
    expect(records[1]).toMatchObject({ kind: 'map' });
  });
  it('an unknown event is kept verbatim', async () => {
    expect(await one('sched_switch', 'prev_comm=dd prev_pid=1 ==> next_comm=swapper')).toMatchObject({ kind: 'raw', name: 'sched_switch' });
  });
});
