import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linux61 } from '../profiles/linux-6.1.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { verifyOracleFile } from './index.js';

const dir = join(import.meta.dirname, '../../fixtures/oracles/io-pgtable-arm');
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

describe('io-pgtable-arm oracles: the model reproduces io-pgtable-arm.c and iommu_map/unmap of 6.1.192 and 6.12.117', () => {
  for (const f of files) {
    it(`${f}: every op matches`, () => {
      const r = verifyOracleFile(join(dir, f));
      expect(r.mismatches).toEqual([]);
      expect(r.matched).toBe(r.ops);
    });
  }

  it('is sensitive: refusing partial block unmaps, or the other version\'s TLB rule, breaks the files', () => {
    const refuse = verifyOracleFile(join(dir, 'pgt_edge.v6.1.jsonl'), { profile: { ...linux61, pgtable: { ...linux61.pgtable, splitOnUnmap: 'refuse' } } });
    expect(refuse.mismatchCount).toBeGreaterThan(0);
    expect(verifyOracleFile(join(dir, 'pgt_edge.v6.1.jsonl'), { profile: linux612 }).mismatches[0]?.field).toBe('tlb_add_page');
    expect(verifyOracleFile(join(dir, 'pgt_edge.v6.12.jsonl'), { profile: linux61 }).mismatchCount).toBeGreaterThan(0);
  });
});
