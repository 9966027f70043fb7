// Every check against its scenario (fixtures/scenarios/<check>.jsonl + .expected.json): it
// reports exactly at the expected events, and with the check disabled the expectation fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../domain-events/index.js';
import { eventToJsonLine, readJsonl } from '../replay/index.js';
import { CHECKS, runChecks } from './index.js';
import { fileName, SCENARIOS, stamped } from './test-support/scenarios.js';

const DIR = 'fixtures/scenarios';

function at(check: string, events: IommuEvent[], disable: string[] = []): { seq: number; line: number | null }[] {
  return runChecks([events], { disable })
    .findings.filter((f) => f.check === check)
    .map((f) => ({ seq: f.seq, line: f.line }));
}

describe('check scenarios', () => {
  it('every check has a scenario', () => {
    expect(SCENARIOS.map((s) => s.check).sort()).toEqual(CHECKS.map((c) => c.id).sort());
  });

  for (const s of SCENARIOS) {
    const base = `${DIR}/${fileName(s.check)}`;
    const expected = { check: s.check, findings: s.expect.map((i) => ({ seq: i, line: i + 1 })) };
    if (process.env.UPDATE_SCENARIOS) {
      writeFileSync(`${base}.jsonl`, stamped(s).map(eventToJsonLine).join('\n') + '\n');
      writeFileSync(`${base}.expected.json`, JSON.stringify(expected, null, 2) + '\n');
    }

    describe(s.check, () => {
      const { events } = readJsonl(`${base}.jsonl`);

      it('the fixture files are the scenario', () => {
        expect(events.map(eventToJsonLine)).toEqual(stamped(s).map(eventToJsonLine));
        expect(JSON.parse(readFileSync(`${base}.expected.json`, 'utf8'))).toEqual(expected);
      });

      it('reports exactly at the expected events', () => {
        expect(at(s.check, events)).toEqual(expected.findings);
      });

      it('fails with the check disabled', () => {
        expect(at(s.check, events, [s.check])).not.toEqual(expected.findings);
      });
    });
  }
});
