// Series benchmarks: workload simulation (parse + kernel model + events) and diff (alignment,
// totals, two replays) on the bundled nic workload under linux-6.1 and linux-6.12.
import { join } from 'node:path';
import { type IommuEvent } from '../domain-events/index.js';
import { getProfile } from '../kernel/profiles/index.js';
import { loadWorkload, runWorkload } from '../kernel/workload/index.js';
import { diffRuns } from '../replay/diff.js';
import { best } from './timing.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'workloads');

function simulate(profile: string): IommuEvent[] {
  const all: IommuEvent[] = [];
  runWorkload(loadWorkload('nic', DIR), getProfile(profile), { onEvents: (ev) => all.push(...ev) });
  return all;
}

export function seriesBench(): Record<string, number> {
  let a: IommuEvent[] = [];
  let b: IommuEvent[] = [];
  const simMs = best(3, () => (a = simulate('linux-6.1')));
  b = simulate('linux-6.12');
  const diffMs = best(3, () => diffRuns({ input: 'a', profile: null, blocks: () => [a] }, { input: 'b', profile: null, blocks: () => [b] }));
  return {
    series_simulate_nic_events: a.length,
    series_simulate_events_per_s: Math.round(a.length / (simMs / 1000)),
    series_diff_nic_ms: Math.round(diffMs),
    series_diff_events_per_s: Math.round((a.length + b.length) / (diffMs / 1000)),
  };
}
