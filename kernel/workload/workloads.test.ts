import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type IommuEvent, stringifyJson } from '../../domain-events/index.js';
import { evolveBatch, initialState, stateHash } from '../../reducers/index.js';
import { applySwitches } from '../profile.js';
import { getProfile } from '../profiles/index.js';
import { listWorkloads, loadWorkload } from './catalog.js';
import { runWorkload } from './run.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'workloads');
const PEER = join(import.meta.dirname, '..', '..', 'fixtures', 'peer-suites');

function events(name: string, profile: string, seed?: number): IommuEvent[] {
  const all: IommuEvent[] = [];
  runWorkload(loadWorkload(name, DIR), getProfile(profile), { seed, onEvents: (ev) => all.push(...ev) });
  return all;
}

describe('bundled workloads', () => {
  it('has the seven workloads of issue 7, blk-iova and map-errors (issue 17), vfio-container (issue 15), each with a one-line description', () => {
    expect(listWorkloads(DIR).map((w) => w.name)).toEqual(['blk-iova', 'hotplug', 'map-errors', 'nested-msi', 'nic', 'nvme', 'sva-pasid', 'vfio-container', 'vfio-msi', 'virtio-blk']);
    for (const w of listWorkloads(DIR)) expect(w.description.length).toBeGreaterThan(20);
  });

  it.each(listWorkloads(DIR).map((w) => w.name))('%s: its events are numbered in order and replay to the model state', (name) => {
    const all: IommuEvent[] = [];
    // the first 2000 statements: every step of the short workloads, the start of nic's bursts
    const r = runWorkload(loadWorkload(name, DIR), getProfile('linux-6.12'), { stopAfter: 2000, onEvents: (ev) => all.push(...ev) });
    expect(r.failures).toEqual([]);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
    expect(stateHash(evolveBatch(initialState(), all))).toBe(stateHash(r.model.state));
  });

  it('the same seed gives the same events; another seed other choices', () => {
    const a = stringifyJson(events('nvme', 'linux-6.12', 3));
    expect(stringifyJson(events('nvme', 'linux-6.12', 3))).toBe(a);
    expect(stringifyJson(events('nvme', 'linux-6.12', 4))).not.toBe(a);
  });

  it('strict reuses a freed IOVA at once; lazy holds it in the flush queue (nvme)', () => {
    const reuse = (lazy: boolean) => {
      const maps = new Set<bigint>();
      let again = 0;
      runWorkload(loadWorkload('nvme', DIR), applySwitches(getProfile('linux-6.1'), lazy ? { lazy: true } : { strict: true }), {
        onEvents: (ev) => ev.forEach((e) => e.type === 'Mapped' && (maps.has(e.iova) ? again++ : maps.add(e.iova))),
      });
      return again;
    };
    expect(reuse(false)).toBeGreaterThan(reuse(true));
  });
});

describe('peer suites (the kernel selftests as scenarios)', () => {
  const suites = listWorkloads(PEER);
  it('holds the iommufd and io-pgtable-arm selftests, named after them', () => {
    expect(suites.map((s) => s.name)).toEqual([
      'io-pgtable-arm.arm_lpae_run_tests',
      'iommufd_ioas.area',
      'iommufd_ioas.area_auto_iova',
      'iommufd_ioas.unmap_fully_contained_areas',
      'iommufd_mock_domain.all_aligns',
      'iommufd_mock_domain.all_aligns_copy',
      'iommufd_mock_domain.basic',
    ]);
  });

  it.each(suites.flatMap((s) => ['linux-6.1', 'linux-6.12'].map((p) => [s.name, p] as const)))('%s passes under %s', (name, profile) => {
    const r = runWorkload(loadWorkload(name, PEER), getProfile(profile));
    expect(r.expectations).toBeGreaterThan(5);
    expect(r.failures).toEqual([]);
  });

  it('the io-pgtable-arm sequence fails where 6.14+ refuses to split a block (linux-7.3, io-pgtable-arm.c 7.3.4): the suite can fail', () => {
    const r = runWorkload(loadWorkload('io-pgtable-arm.arm_lpae_run_tests', PEER), getProfile('linux-7.3'));
    expect(r.failures[0]).toMatchObject({ line: 24, message: 'unmap: expected 0x1000, got 0x0' });
  });
});
