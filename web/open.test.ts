import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../cli/main.js';
import { type IommuEvent, isInputError } from '../domain-events/index.js';
import { REDACT_BASE } from '../ingest/redact.js';
import { MAGIC } from '../replay/index.js';
import { openUiInput } from './open.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const TRACE = 'fixtures/traces/arm64-virt-smmuv3-vfio-612/trace.txt';
const dir = scratchDir('ui-open-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function error(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(isInputError(err), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('opening what ui is given', () => {
  it('imports a bundled trace on the fly and reads its blocks in place', async () => {
    const s = await openUiInput(TRACE);
    try {
      expect(s.timeline.total).toBeGreaterThan(100);
      expect(s.timeline.blockEvents(0)[0].seq).toBe(0);
      expect(s.problems).toEqual([]);
    } finally {
      s.close();
    }
  });

  it('--redact: physical addresses become stable pseudonyms, IOVAs stay', async () => {
    const plain = await openUiInput(TRACE);
    const red = await openUiInput(TRACE, { redact: true });
    try {
      const maps = (blocks: readonly (readonly IommuEvent[])[]) => blocks.flat().filter((e): e is Extract<IommuEvent, { type: 'Mapped' }> => e.type === 'Mapped');
      const all = (s: typeof plain) => Array.from({ length: s.timeline.blockCount() }, (_, i) => s.timeline.blockEvents(i));
      const a = maps(all(plain));
      const b = maps(all(red));
      expect(b.length).toBe(a.length);
      expect(a.length).toBeGreaterThan(0);
      b.forEach((m, i) => {
        expect(m.iova).toBe(a[i].iova);
        expect(m.paddr >= REDACT_BASE).toBe(true);
        expect(m.paddr & 0xfffn).toBe(a[i].paddr & 0xfffn);
      });
      // decoded again later: the same pseudonyms
      expect(maps(all(red)).map((m) => m.paddr)).toEqual(b.map((m) => m.paddr));
      const bells = all(red).flat().filter((e) => e.type === 'MsiPageGot');
      for (const e of bells) if (e.type === 'MsiPageGot') expect(e.doorbell >= REDACT_BASE).toBe(true);
    } finally {
      plain.close();
      red.close();
    }
  });

  it('names a missing, corrupt or empty input before any server starts', async () => {
    expect(await error(openUiInput(join(dir, 'nope.journal')))).toMatch(/nope\.journal: no such file/);
    const bad = join(dir, 'bad.journal');
    writeFileSync(bad, Buffer.concat([MAGIC, Buffer.from([1, 0, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(40, 7)]));
    expect(await error(openUiInput(bad))).toMatch(/bad\.journal: header is corrupt: its length field \(offset 10\) says 2147483647 bytes/);
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from([0, 1, 2, 3, 250, 251]));
    expect(await error(openUiInput(junk))).toMatch(/junk\.bin: not a journal/);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '{"type":"MarkerWritten"');
    expect((await error(openUiInput(empty))).split('\n')).toHaveLength(1);
  });

  it('the ui command exits 2 with one line for bad input or a bad port, without listening', async () => {
    const errs: string[] = [];
    const outs: string[] = [];
    const e = process.stderr.write;
    const o = process.stdout.write;
    process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
    process.stdout.write = ((s: string) => (outs.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await run(['ui', join(dir, 'missing.txt'), '--no-open'])).toBe(2);
      expect(await run(['ui', TRACE, '--port', '70000', '--no-open'])).toBe(2);
    } finally {
      process.stderr.write = e;
      process.stdout.write = o;
    }
    expect(errs.join('')).toMatch(/missing\.txt: no such file or directory/);
    expect(errs.join('')).toMatch(/--port: 70000 is out of range/);
    expect(outs.join('')).not.toContain('listening');
  });
});
