// probeTrace reads what a trace says about itself before an import.
import { describe, expect, it } from 'vitest';
import { writeTemp } from './test-support/parse-text.js';
import { probeTrace } from './probe.js';

describe('probeTrace', () => {
  it('tells tracefs text by its header, with the CPU count', async () => {
    const p = await probeTrace('fixtures/traces/x86-q35-vtd-tcg-612-dat/trace.txt.gz');
    expect(p.header).toMatchObject({ source: 'tracefs', cpus: 2, entriesInBuffer: 38923, kernel: null });
  });
  it('tells trace-cmd report text by its cpus= line', async () => {
    const p = await probeTrace('fixtures/traces/x86-q35-vtd-tcg-612-dat/report.txt.gz');
    expect(p.header).toMatchObject({ source: 'trace-cmd-report', cpus: 2 });
  });
  it('tells headerless text by its first event line', async () => {
    const report = writeTemp('t.txt', '   insmod-147   [000]     4.637306: unmap:                IOMMU: iova=0x00000000ffff8000 - 0x00000000ffff9000 size=4096 unmapped_size=4096\n');
    expect((await probeTrace(report)).header.source).toBe('trace-cmd-report');
    const tracefs = writeTemp('t.txt', '   insmod-147   [000] ..... 4.637306: unmap: IOMMU: iova=0x00000000ffff8000 - 0x00000000ffff9000 size=4096 unmapped_size=4096\n');
    expect((await probeTrace(tracefs)).header).toMatchObject({ source: 'tracefs', cpus: null });
  });
  it('reads a capture folder through its trace', async () => {
    const p = await probeTrace('fixtures/traces/x86-q35-vtd-strict-612');
    expect(p.file).toMatch(/trace\.txt$/);
    expect(p.header.source).toBe('tracefs');
  });
});
