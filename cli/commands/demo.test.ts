// npm start: what the bundled captures show, readable: whole phase names, and why the device
// rows read as they do (a 6.1 trace has no dma:* events; a domain counts more maps than its
// devices' DMA-API calls).
import { describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

describe('demo and the state summary', () => {
  it('npm start prints every phase name whole and says why domain maps outnumber DMA-API maps', async () => {
    const r = await runCli(['demo']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('DEVICES READY virtio=/dev/vda nvme=/dev/nvme0n1 sata=/dev/sda out=/dev/vdb');
    expect(r.out).toMatch(/RUN dd if=\/dev\/urandom of=\/dev\/nvme0n1 bs=64k count=8 seek=32 conv=\S+/);
    expect(r.out).toMatch(/domains count \d+ iommu_map calls, devices \d+ DMA-API maps: one dma_map_sg\(\) maps each\s+physically contiguous run/);
  });

  it('a 6.1 trace says why its DMA-API columns are empty', async () => {
    const r = await runCli(['replay', 'fixtures/traces/x86-q35-vtd-passthrough']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/the DMA-API columns are empty: this trace has no dma:\* events\. Linux traces\s+dma_map_\*\/dma_unmap_\* from 6\.12 on/);
  });
});
