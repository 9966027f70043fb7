// A journal whose writer was killed: the real CLI imports a real capture and is killed (SIGKILL)
// once its journal passes seeded sizes; every reader then says where the writer stopped, reads
// every event before it (the same events as the whole import's), and exits 1. Runs the built
// CLI (npm ci builds it) for the import; the readers run in-process.
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../bench/synthetic.js';
import { eventToJson } from '../../domain-events/index.js';
import { JournalReader } from '../../replay/index.js';
import { runCli } from '../test-support/run-cli.js';
import { scratchDir } from '../../ingest/test-support/scratch.js';

const TRACE = 'fixtures/traces/x86-q35-vtd-strict-612';
const dir = scratchDir('ij-killed-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the import and kills it once the journal holds at least `bytes`. */
function killedImport(out: string, bytes: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/iommu-journal', 'import', TRACE, '-o', out, '--no-checks'], { stdio: 'ignore' });
    const poll = setInterval(() => {
      if (existsSync(out) && statSync(out).size >= bytes) child.kill('SIGKILL');
    }, 1);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      resolve(signal);
    });
  });
}

function events(path: string): string[] {
  const r = JournalReader.open(path);
  try {
    return [...r.events()].map((e) => JSON.stringify(eventToJson(e), (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v)));
  } finally {
    r.close();
  }
}

describe('a killed import', () => {
  it('leaves a journal every reader calls incomplete, naming the last event, with every event before it', async () => {
    const whole = join(dir, 'whole.journal');
    expect((await runCli(['import', TRACE, '-o', whole, '--no-checks'])).code).toBe(0);
    expect((await runCli(['journal', 'verify', whole])).out).toMatch(/ok, 35409 events .* closed by its writer/);
    const all = events(whole);
    const size = statSync(whole).size;
    const r = rng(16);
    for (let k = 0; k < 3; k++) {
      const out = join(dir, `killed-${k}.journal`);
      // between a sixth and three quarters of the way: past the first block, well before the end
      const signal = await killedImport(out, Math.floor(size * (1 / 6 + r() * (3 / 4 - 1 / 6))));
      expect(signal, 'the import was killed, not finished').toBe('SIGKILL');
      const kept = events(out);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(all.length);
      expect(kept).toEqual(all.slice(0, kept.length));
      const said = new RegExp(`incomplete: the writer stopped after event ${kept.length - 1} \\(`);
      const v = await runCli(['journal', 'verify', out]);
      expect(v.code).toBe(1);
      expect(v.out).toMatch(said);
      const vj = await runCli(['journal', 'verify', out, '--json']);
      expect(JSON.parse(vj.out)).toMatchObject({ ok: false, complete: false, events: kept.length });
      if (k > 0) continue;
      // every reader (on the first cut): the whole readable part, the same line on stderr, exit 1
      const readers: string[][] = [
        ['replay', out],
        ['state', out],
        ['state', out, '--at', String(kept.length - 1)],
        ['events', out, '--type', 'MarkerWritten'],
        ['history', out, '--domain', '2', '--limit', '1'],
        ['check', out, '--only', 'iommu/unmap-short'],
        ['bisect', out, '--where', 'maps >= 1000000'],
        ['export', out, '--format', 'csv'],
        ['diff', out, out],
        ['journal', 'to-jsonl', out],
      ];
      for (const args of readers) {
        const c = await runCli(args);
        expect(c.err, args.join(' ')).toMatch(said);
        expect(c.code, args.join(' ')).toBe(1);
      }
      const jsonl = await runCli(['journal', 'to-jsonl', out]);
      expect(jsonl.out.trim().split('\n')).toHaveLength(kept.length);
    }
  });
});
