import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../domain-events/index.js';
import { applySwitches, type Switches } from '../kernel/profile.js';
import { getProfile } from '../kernel/profiles/index.js';
import { loadWorkload, runWorkload } from '../kernel/workload/index.js';
import { diffRuns, type DiffInput } from './diff.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'workloads');

function sim(workload: string, profile: string, switches: Switches = {}, seed?: number): DiffInput {
  const all: IommuEvent[] = [];
  const p = applySwitches(getProfile(profile), switches);
  runWorkload(loadWorkload(workload, DIR), p, { seed, onEvents: (ev) => all.push(...ev) });
  // tiny blocks: alignment must not depend on how the source chunks its events
  return { input: `${workload}@${p.name}`, profile: p.name, blocks: () => Array.from({ length: Math.ceil(all.length / 7) }, (_, i) => all.slice(i * 7, i * 7 + 7)) };
}

describe('diffRuns', () => {
  it('two runs of the same profile do not diverge', () => {
    const r = diffRuns(sim('nvme', 'linux-6.12'), sim('nvme', 'linux-6.12'));
    expect(r.firstDivergence).toBeNull();
    expect(r.related).toBe(true);
    expect(r.alignment).toMatchObject({ differing: 0, onlyA: 0, onlyB: 0 });
    for (const d of Object.values(r.deltas)) expect(d.delta).toBe(0);
  });

  it('auger-2016-v7 vs linux-6.1 on vfio-msi: the doorbell lands at the window top instead of its base; release leaves nothing mapped', () => {
    const r = diffRuns(sim('vfio-msi', 'linux-6.1'), sim('vfio-msi', 'auger-2016-v7'));
    expect(r.firstDivergence).toMatchObject({ step: 'msix', what: 'doorbell IOVA 0x8000000 vs 0x80ff000', lineA: 33, lineB: 33 });
    expect(r.deltas.doorbells).toEqual({ a: 2, b: 0, delta: -2 });
    expect(r.deltas.mappedBytes).toEqual({ a: 8192, b: 0, delta: -8192 });
  });

  it('nested-2023 vs linux-6.12 on nested-msi: mapped in the stage-2 parent vs untranslated', () => {
    const r = diffRuns(sim('nested-msi', 'nested-2023'), sim('nested-msi', 'linux-6.12'));
    expect(r.firstDivergence?.what).toBe('doorbell IOVA 0x8000000 vs untranslated');
    expect(r.deltas.msiUntranslated).toMatchObject({ a: 0, b: 4 });
  });

  it('strict vs lazy on nvme: the first reuse of a freed IOVA diverges, lazy reuses less', () => {
    const r = diffRuns(sim('nvme', 'linux-6.1', { strict: true }), sim('nvme', 'linux-6.1', { lazy: true }));
    expect(r.firstDivergence?.what).toMatch(/^(IOVA chosen|DMA address) 0x[0-9a-f]+ vs 0x[0-9a-f]+/);
    expect(r.deltas.iovaReuse.delta).toBeLessThan(0);
  });

  it('another seed of the same workload diverges in the IOVAs or sizes, still related', () => {
    const r = diffRuns(sim('virtio-blk', 'linux-6.1', {}, 1), sim('virtio-blk', 'linux-6.1', {}, 2));
    expect(r.related).toBe(true);
    expect(r.firstDivergence).not.toBeNull();
  });

  it('unrelated runs are said to be so, with totals', () => {
    const r = diffRuns(sim('sva-pasid', 'linux-6.12'), sim('virtio-blk', 'linux-6.12'));
    expect(r.related).toBe(false);
    expect(r.firstDivergence?.what).toMatch(/^unrelated runs/);
    expect(r.deltas.pasids.a).toBeGreaterThan(0);
  });

  it('linux-6.12 vs linux-7.3 on map-errors: 7.3 unrolls the refused misaligned map and refuses the cookie of an iommufd hwpt', () => {
    const r = diffRuns(sim('map-errors', 'linux-6.12'), sim('map-errors', 'linux-7.3'));
    expect(r.firstDivergence).toMatchObject({ step: 'vfio-maps', what: 'only in B: unmap size=0x0', lineA: null, lineB: 12 });
    expect(r.alignment).toMatchObject({ onlyA: 0, onlyB: 1, differing: 0 });
    // the -EEXIST of iommu_get_msi_cookie
    expect(r.deltas.kernelErrors).toEqual({ a: 2, b: 3, delta: 1 });
  });

  it('linux-6.12 vs linux-7.3 on blk-iova: one dma_iova range per request instead of one IOVA per segment', () => {
    const r = diffRuns(sim('blk-iova', 'linux-6.12'), sim('blk-iova', 'linux-7.3'));
    expect(r.firstDivergence?.what).toMatch(/^only in B: dma_iova_try_alloc nvme0 size=0x/);
    expect(r.deltas.maps.delta).toBe(0);
    expect(r.deltas.unmaps.delta).toBeLessThan(0);
  });

  it('ioasid-2019 vs linux-6.12 on sva-pasid: PASIDs from the IOASID xarray against the global IDA', () => {
    const r = diffRuns(sim('sva-pasid', 'ioasid-2019'), sim('sva-pasid', 'linux-6.12'));
    expect(r.related).toBe(true);
    // the 6.1-era reuse check (pasid >= max - 1) refuses PASID 31 on a 32-PASID device
    expect(r.firstDivergence).toMatchObject({ step: 'narrow', what: 'errno EOVERFLOW vs ok', lineA: 22 });
  });
});

describe('diffRuns across schema versions', () => {
  it('a run written under an older schema is upcast on read, then diffs clean against the current one', async () => {
    const { eventToJson, registerUpcaster, unregisterUpcaster } = await import('../domain-events/index.js');
    const { parseJsonl } = await import('./jsonl.js');
    const cur = sim('vfio-msi', 'linux-6.1');
    const events = [...cur.blocks()].flat();
    // pretend MarkerWritten v0 called its text "message" (as journal.test.ts does)
    const lines = events.map((e) => {
      const j = eventToJson(e);
      if (e.type !== 'MarkerWritten') return JSON.stringify(j);
      const { text, ...rest } = j as Record<string, unknown>;
      return JSON.stringify({ ...rest, v: 0, message: text });
    });
    registerUpcaster('MarkerWritten', 0, (e) => {
      const { message, ...rest } = e as Record<string, unknown> & { type: string; v: number };
      return { ...rest, v: 1, text: message };
    });
    try {
      const old = parseJsonl(lines.join('\n') + '\n', 'old.jsonl');
      const r = diffRuns({ input: 'old.jsonl', profile: null, blocks: () => [old.events] }, cur);
      expect(r.firstDivergence).toBeNull();
      expect(r.alignment?.sharedSteps).toBe(6);
    } finally {
      unregisterUpcaster('MarkerWritten', 0);
    }
  });
});
