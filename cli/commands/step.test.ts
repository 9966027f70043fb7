// step reads its commands from stdin when it is not on a terminal, so a session can be scripted:
// the same n / p / g / q as the interactive keys. Runs the built CLI (npm ci builds it).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const JOURNAL = 'fixtures/journals/demo.journal';

function step(input: string, ...args: string[]): { out: string; err: string; status: number | null } {
  const r = spawnSync(process.execPath, ['bin/iommu-journal', 'step', JOURNAL, ...args], { input, encoding: 'utf8' });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

const seqs = (out: string) => [...out.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));

describe('step, scripted on stdin', () => {
  it('moves forward, back and jumps, one event at a time', () => {
    const r = step('n\nn\np\ng 20\nk\nq\n', '--at', '10');
    expect(seqs(r.out)).toEqual([10, 11, 12, 11, 20, 19]);
    expect(r.status).toBe(0);
  });
  it('says where it cannot go and goes on', () => {
    // from #0 one step back is the state before any event; one more is refused
    const r = step('p\np\ng 999\nx\nn\nn\nq\n', '--at', '0');
    expect(seqs(r.out)).toEqual([0, 0, 1]);
    expect(r.out).toMatch(/^before the first event$/m);
    expect(r.err).toMatch(/before the first event/);
    expect(r.err).toMatch(/999/);
    expect(r.err).toMatch(/unknown command "x"/);
  });
});
