import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { run } from '../main.js';
import { scratchDir } from '../../ingest/test-support/scratch.js';

const dir = scratchDir('series-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('simulate', () => {
  it('--list names every profile and workload, one line each', async () => {
    const r = await cli('simulate', '--list', '--json');
    const j = JSON.parse(r.out);
    expect(j.profiles.map((p: { name: string }) => p.name)).toEqual(['linux-6.1', 'linux-6.12', 'linux-7.3', 'auger-2016-v6', 'auger-2016-v7', 'murphy-2015', 'nested-2023', 'ioasid-2019']);
    expect(j.workloads.map((w: { name: string }) => w.name)).toEqual(['blk-iova', 'hotplug', 'map-errors', 'nested-msi', 'nic', 'nvme', 'sva-pasid', 'vfio-container', 'vfio-msi', 'virtio-blk']);
  });

  it('the same seed writes a byte-identical journal; another seed another one', async () => {
    const p = (n: string) => join(dir, n);
    expect((await cli('simulate', '-p', 'linux-6.12', '--lazy', '-w', 'virtio-blk', '--seed', '5', '-o', p('a.journal'))).code).toBe(0);
    expect((await cli('simulate', '-p', 'linux-6.12', '--lazy', '-w', 'virtio-blk', '--seed', '5', '-o', p('b.journal'))).code).toBe(0);
    expect((await cli('simulate', '-p', 'linux-6.12', '--lazy', '-w', 'virtio-blk', '--seed', '6', '-o', p('c.journal'))).code).toBe(0);
    expect(readFileSync(p('a.journal')).equals(readFileSync(p('b.journal')))).toBe(true);
    expect(readFileSync(p('a.journal')).equals(readFileSync(p('c.journal')))).toBe(false);
  });

  it('switches apply to any profile and name the run: --forcedac puts the first IOVA under 2^48, not 4 GiB', async () => {
    const j = join(dir, 'dac.journal');
    const r = await cli('simulate', '-p', 'auger-2016-v7', '--forcedac', '--lazy', '-w', 'virtio-blk', '-o', j, '--json');
    expect(JSON.parse(r.out)).toMatchObject({ profile: 'auger-2016-v7+lazy+forcedac' });
    const ev = await cli('events', j, '--type', 'Mapped', '--limit', '1', '--json');
    expect(JSON.parse(ev.out).iova).toBe('0xffffffffc000');
  });

  it.each([
    [['-p', 'linux-9.9', '-w', 'nvme'], 'unknown profile "linux-9.9"'],
    [['-p', 'linux-6.1', '-w', 'no-such-workload'], 'unknown workload "no-such-workload"'],
    [['-p', 'linux-6.1', '-w', 'nvme', '--strict', '--lazy'], '--strict and --lazy exclude each other'],
  ])('bad input %j: one line, exit 2', async (args, msg) => {
    const r = await cli('simulate', ...args, '-o', join(dir, 'bad.journal'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(msg);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a workload file with a syntax error names file:line:column', async () => {
    const f = join(dir, 'broken.wl');
    writeFileSync(f, 'platform arm-smmu-v3\nprobe d\ndma_map d size=4Q\n');
    const r = await cli('simulate', '-p', 'linux-6.1', '-w', f, '-o', join(dir, 'broken.journal'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:3:16: bad number "4Q"`);
  });
});

describe('diff', () => {
  it('a journal against itself: no divergence, exit 0; --json has the issue\'s shape', async () => {
    const j = join(dir, 'self.journal');
    await cli('simulate', '-p', 'linux-6.1', '-w', 'hotplug', '-o', j);
    const r = await cli('diff', j, j, '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(Object.keys(d)).toEqual(['a', 'b', 'related', 'firstDivergence', 'alignment', 'deltas']);
    expect(d.firstDivergence).toBeNull();
    expect(d.a).toEqual({ input: j, profile: 'linux-6.1', events: d.b.events });
  });

  it('linux-6.1 vs auger-2016-v7 on vfio-msi: exit 1, the first divergence with both events', async () => {
    const a = join(dir, 'v61.journal');
    const b = join(dir, 'vauger.journal');
    await cli('simulate', '-p', 'linux-6.1', '-w', 'vfio-msi', '-o', a);
    await cli('simulate', '-p', 'auger-2016-v7', '-w', 'vfio-msi', '-o', b);
    const r = await cli('diff', a, b);
    expect(r.code).toBe(1);
    expect(r.out).toContain('first divergence in step "msix": doorbell IOVA 0x8000000 vs 0x80ff000');
    expect(r.out).toMatch(/ {2}A #\d+ \(line 33\) MsiPageGot \[domain 3\]: msi 0000:00:08.0 doorbell=0x8090000: doorbell IOVA 0x8000000/);
  });

  it('takes traces too: a capture against itself does not diverge; against a simulated journal it is compared', async () => {
    const trace = join(import.meta.dirname, '..', '..', 'fixtures', 'traces', 'x86-q35-vtd-passthrough');
    const self = await cli('diff', trace, trace, '--json');
    expect(self.code).toBe(0);
    expect(JSON.parse(self.out)).toMatchObject({ firstDivergence: null, a: { profile: 'linux-6.1' } });
    const mixed = await cli('diff', trace, join(dir, 'self.journal'), '--json');
    expect(JSON.parse(mixed.out).deltas.events.a).toBe(JSON.parse(self.out).a.events);
  });

  it('a missing input is one line, exit 2', async () => {
    const r = await cli('diff', join(dir, 'nope.journal'), join(dir, 'self.journal'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('nope.journal: no such file or directory');
  });
});
