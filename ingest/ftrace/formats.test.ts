import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFormats } from './formats.js';
import { scratchDir } from '../test-support/scratch.js';

describe('captured formats/', () => {
  it('every bundled capture has the print fmts the parser reads', () => {
    for (const c of readdirSync('fixtures/traces', { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const r = checkFormats(join('fixtures/traces', c.name));
      expect(r.checked).toBeGreaterThan(0);
      expect(r.mismatches).toEqual([]);
    }
  });
  it('a kernel that prints map differently is reported before any line is read', () => {
    const dir = scratchDir('ij-fmt-');
    cpSync('fixtures/traces/x86-q35-vtd-strict/formats', join(dir, 'formats'), { recursive: true });
    writeFileSync(join(dir, 'formats', 'map.format'), 'name: map\nprint fmt: "IOMMU: iova=0x%016llx paddr=0x%016llx size=%zu gfp=%x", REC->iova\n');
    const r = checkFormats(dir);
    expect(r.mismatches.map((m) => m.event)).toEqual(['map']);
  });
});
