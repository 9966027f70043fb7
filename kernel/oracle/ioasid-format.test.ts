import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyOracleFile, verifyOracleText } from './index.js';

const dir = join(import.meta.dirname, '../../fixtures/oracles/ioasid');
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

describe('IOASID / PASID oracles: the model reproduces ioasid.c (6.1.192) and the global PASID IDA (6.12.117)', () => {
  for (const f of files) {
    it(`${f}: every op matches`, () => {
      const r = verifyOracleFile(join(dir, f));
      expect(r.mismatches).toEqual([]);
      expect(r.matched).toBe(r.ops);
    });
  }

  it('notices a single wrong id (the comparison is not vacuous)', () => {
    const lines = readFileSync(join(dir, 'ioasid_edge.v6.1.jsonl'), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"op":"ioasid_alloc"') && l.includes('"id":2'));
    lines[i] = lines[i].replace('"id":2', '"id":3');
    const r = verifyOracleText(lines.join('\n'), 'tampered.jsonl');
    expect(r.mismatches[0]).toMatchObject({ line: i + 1, field: 'id', expected: 3, actual: 2 });
  });
  it('a top-down custom allocator that hands out INVALID_IOASID keeps it taken: the next ids come below it (ioasid.c 6.1 ioasid_alloc)', () => {
    // ioasid.c (6.1) ioasid_alloc: ops->alloc's INVALID_IOASID is failure and nothing calls
    // ops->free, so the harness pool keeps 0xFFFFFFFF; later allocs go on downwards
    const records = [
      { kind: 'ioasid-oracle', format_version: 1, kernel: 'linux-6.1.192', workload: 'ioasid_top_of_range' },
      { op: 'reset', scenario: 'custom_topdown_invalid' },
      { op: 'ioasid_register_allocator', ops: 'T1', ret: 0 },
      { op: 'ioasid_alloc', set: 'S0', min: 0xfffffffd, max: 0xffffffff, private: 1, id: 0xffffffff },
      { op: 'state', active: 'T1', allocators: [{ ops: 'T1', members: ['T1'], ids: 0 }], ids: [], pools: { T1: [0xffffffff], T2: [] } },
      { op: 'ioasid_alloc', set: 'S0', min: 0xfffffffd, max: 0xffffffff, private: 2, id: 0xfffffffe },
      { op: 'ioasid_alloc', set: 'S0', min: 0xfffffffd, max: 0xffffffff, private: 3, id: 0xfffffffd },
      { op: 'ioasid_alloc', set: 'S0', min: 0xfffffffd, max: 0xffffffff, private: 4, id: 0xffffffff },
      { op: 'ioasid_free', id: 0xfffffffe },
      { op: 'ioasid_free', id: 0xffffffff },
      { op: 'ioasid_alloc', set: 'S1', min: 0xfffffffd, max: 0xffffffff, private: 5, id: 0xfffffffe },
      {
        op: 'state',
        active: 'T1',
        allocators: [{ ops: 'T1', members: ['T1'], ids: 2 }],
        ids: [[0xfffffffd, 'S0', 3], [0xfffffffe, 'S1', 5]],
        pools: { T1: [0xfffffffd, 0xfffffffe, 0xffffffff], T2: [] },
      },
    ];
    const r = verifyOracleText(records.map((x) => JSON.stringify(x)).join('\n'), 'top-of-range.jsonl');
    expect(r.mismatches).toEqual([]);
    expect(r.matched).toBe(r.ops);
  });
});
