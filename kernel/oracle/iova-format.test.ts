import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linux61 } from '../profiles/linux-6.1.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { linux73 } from '../profiles/linux-7.3.js';
import { verifyOracleFile, verifyOracleText } from './index.js';

const dir = join(import.meta.dirname, '../../fixtures/oracles/iova');
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

describe('iova oracles: the model reproduces the real iova.c of 6.1.192, 6.12.117 and 7.3.4', () => {
  for (const f of files) {
    it(`${f}: every op matches`, () => {
      const r = verifyOracleFile(join(dir, f));
      expect(r.mismatches).toEqual([]);
      expect(r.matched).toBe(r.ops);
      const header = JSON.parse(readFileSync(join(dir, f), 'utf8').split('\n', 1)[0]);
      if ((header.also_valid_for ?? []).includes('linux-6.12.117')) {
        const r12 = verifyOracleFile(join(dir, f), { profile: linux612 });
        expect(r12.mismatches).toEqual([]);
      }
    });
  }

  it('is sensitive: a top-only magazine pop or no retry pass breaks the files that need them', () => {
    const topOnly = verifyOracleFile(join(dir, 'edge_rcache.v6.1.jsonl'), { profile: { ...linux61, iova: { ...linux61.iova, magPop: 'top-only' } } });
    expect(topOnly.mismatchCount).toBeGreaterThan(0);
    const noRetry = verifyOracleFile(join(dir, 'edge_alloc.v6.1.jsonl'), { profile: { ...linux61, iova: { ...linux61.iova, retry: false } } });
    expect(noRetry.mismatchCount).toBeGreaterThan(0);
    const wrongDepot = verifyOracleFile(join(dir, 'edge_versiondiff.v6.12.jsonl'), { profile: linux61 });
    expect(wrongDepot.mismatchCount).toBeGreaterThan(0);
  });

  it('a .v7.3 file is checked with linux-7.3, picked from its kernel header', () => {
    expect(verifyOracleFile(join(dir, 'edge_alloc.v7.3.jsonl')).profile).toBe('linux-7.3');
  });

  it('dma_iova_try_alloc / dma_iova_free exist only where the profile has the API (dma-iommu.c 7.3.4; absent from 6.12.117)', () => {
    const r = verifyOracleFile(join(dir, 'edge_iova_link.v7.3.jsonl'), { profile: linux612 });
    expect(r.mismatches[0]).toMatchObject({ op: 'dma_iova_try_alloc', field: 'op' });
    expect(String(r.mismatches[0].actual)).toMatch(/linux-6\.12 has no dma_iova API/);
  });

  it('is sensitive on the dma_iova path: try_alloc goes through the sticky 32-bit-first rule (6.1\'s every-time rule breaks it)', () => {
    const r = verifyOracleFile(join(dir, 'edge_iova_link.v7.3.jsonl'), { profile: { ...linux73, dma: { ...linux73.dma, pci32: 'every-time' } } });
    expect(r.mismatches.some((m) => m.op === 'dma_iova_try_alloc' && m.field === 'tried_32bit')).toBe(true);
  });

  it('reports bad lines by line and field and checks the rest of the file', () => {
    const text = [
      JSON.stringify({ kind: 'iova-oracle', kernel: 'linux-6.1.192' }),
      JSON.stringify({ op: 'init_iova_domain', granule: 4096, start_pfn: 1, cpus: 1, rcaches: false, dma_32bit_pfn: 1048576 }),
      JSON.stringify({ op: 'alloc_iova', limit_pfn: 1048575, size_aligned: true, ok: true, pfn_lo: 1048575, pfn_hi: 1048575 }),
      JSON.stringify({ op: 'teleport', pfn: 3 }),
      '{not json',
      JSON.stringify({ op: 'alloc_iova', size: 1, limit_pfn: 1048575, size_aligned: true, ok: true, pfn_lo: 1048575, pfn_hi: 1048575 }),
    ].join('\n');
    const r = verifyOracleText(text, 'bad.jsonl');
    expect(r.ops).toBe(5);
    expect(r.matched).toBe(2);
    expect(r.mismatches.map((m) => [m.line, m.field])).toEqual([
      [3, 'size'],
      [4, 'op'],
      [5, 'json'],
    ]);
  });

  it('names an unreadable kernel in the header and still checks the file with the newest release profile', () => {
    const text = [JSON.stringify({ kind: 'iova-oracle', kernel: 'vendor' }), JSON.stringify({ op: 'init_iova_domain', granule: 4096, start_pfn: 1, cpus: 1, rcaches: false, dma_32bit_pfn: 1048576 })].join('\n');
    const r = verifyOracleText(text, 'vendor.jsonl');
    expect(r.errors[0]).toMatch(/vendor\.jsonl:1:kernel: unknown kernel "vendor"; checked with linux-7\.3/);
    expect(r.matched).toBe(1);
  });

  it('says what it assumed for a kernel newer than every profile', () => {
    const text = [JSON.stringify({ kind: 'iova-oracle', kernel: 'linux-9.9' }), JSON.stringify({ op: 'init_iova_domain', granule: 4096, start_pfn: 1, cpus: 1, rcaches: false, dma_32bit_pfn: 1048576 })].join('\n');
    const r = verifyOracleText(text, 'future.jsonl');
    expect(r.errors).toEqual([]);
    expect(r.profile).toBe('linux-7.3');
    expect(r.assumed).toMatch(/kernel 9\.9 is newer than every profile: checked with linux-7\.3/);
  });
});
