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
});
