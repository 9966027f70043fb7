import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { evolveBatch, initialState, stateHash } from '../../reducers/index.js';
import { getProfile } from '../profiles/index.js';
import { loadWorkload } from './catalog.js';
import { parseWorkload } from './parse.js';
import { runWorkload } from './run.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'workloads');
const MISUSE = join(import.meta.dirname, '..', '..', 'fixtures', 'dma-iova', 'misuse.wl');

function run(name: string, profile: string) {
  const all: IommuEvent[] = [];
  const r = runWorkload(loadWorkload(name, DIR), getProfile(profile), { onEvents: (ev) => all.push(...ev) });
  return { r, all, count: (t: IommuEvent['type']) => all.filter((e) => e.type === t).length };
}

describe('dma_iova workload statements', () => {
  it('blk-iova under linux-7.3: every request takes the dma_iova path, and the journal replays to the model state', () => {
    const { r, all, count } = run('blk-iova', 'linux-7.3');
    expect(r.failures).toEqual([]);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
    expect(stateHash(evolveBatch(initialState(), all))).toBe(stateHash(r.model.state));
    // 48 × 2 requests in the loop and one at the end, each freed except the last
    expect(count('DmaIovaAllocated')).toBe(97);
    expect(count('DmaIovaFreed')).toBe(96);
    expect(all.filter((e) => e.type === 'DmaApiCalled' && e.call === 'map_page')).toEqual([]);
  });

  it('blk-iova under linux-6.12: the same requests, one dma_map_page per segment', () => {
    const { r, count } = run('blk-iova', 'linux-6.12');
    expect(r.failures).toEqual([]);
    expect(count('DmaIovaAllocated')).toBe(0);
    expect(count('DmaApiCalled')).toBeGreaterThan(97);
  });

  it('the misuse workload meets its expectations under linux-7.3 and is refused by line under linux-6.12', () => {
    expect(runWorkload(loadWorkload(MISUSE, DIR), getProfile('linux-7.3')).failures).toEqual([]);
    expect(() => runWorkload(loadWorkload(MISUSE, DIR), getProfile('linux-6.12'))).toThrow(/misuse\.wl:11:1: dma_iova_try_alloc: profile linux-6\.12 has no dma_iova API/);
  });

  it('names an unknown state and a pool blk_map did not fill', () => {
    const w = (body: string) => parseWorkload(`platform arm-smmu-v3\nprobe d0\n${body}\n`, 'w.wl', 'w');
    expect(() => runWorkload(w('dma_iova_link nope offset=0 size=4K'), getProfile('linux-7.3'))).toThrow(/w\.wl:3:15: unknown dma_iova state "nope"/);
    expect(() => runWorkload(w('dma_map d0 size=4K as=p\nblk_unmap d0 p'), getProfile('linux-7.3'))).toThrow(/w\.wl:4:\d+: blk_unmap: pool "p" holds mappings blk_map did not make/);
  });
});
