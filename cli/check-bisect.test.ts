// bisect --check over the checks records: the same first finding as a scan from the first event,
// found with O(log n) record probes and one segment replay; a scan (with the reason) when the
// journal cannot answer.
import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticStream } from '../bench/synthetic.js';
import { type CheckDef, CHECKS, checkCompanion, firstFinding, type Severity } from '../checks/index.js';
import { SCENARIOS, stamped } from '../checks/test-support/scenarios.js';
import { type IommuEvent, Unmapped } from '../domain-events/index.js';
import { importTrace } from '../ingest/importer.js';
import { JournalReader, JournalRecorder, RecordKind, Timeline } from '../replay/index.js';
import { bisectChecks } from './check-bisect.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-check-bisect-');
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL: Severity[] = ['error', 'warning', 'info'];

function record(blocks: Iterable<readonly IommuEvent[]>, every: number, defs: readonly CheckDef[] | null = CHECKS): Timeline {
  const path = join(dir, `j${n++}.journal`);
  const rec = JournalRecorder.create(path, { checkpointEvery: every, companion: defs ? checkCompanion(defs) : undefined });
  for (const b of blocks) for (let i = 0; i < b.length; i += every) rec.append(b.slice(i, i + every));
  rec.close();
  return Timeline.open(path);
}

/** the first finding as a scan from the first event finds it */
function scanned(tl: Timeline, defs: readonly CheckDef[], severity: Severity[]): number | null {
  return firstFinding([[...tl.range(0, tl.lastSeq)]], { only: defs.map((d) => d.id), severity })?.seq ?? null;
}

describe('bisect --check over checks records', () => {
  for (const s of SCENARIOS) {
    it(`${s.check}: its scenario's first finding, from the records`, () => {
      const tl = record([stamped(s)], 2);
      const defs = CHECKS.filter((c) => c.id === s.check);
      const r = bisectChecks(tl, defs, ALL);
      expect(r.outcome.method).toBe('checkpoints');
      expect(r.outcome.firstFailingSeq).toBe(scanned(tl, defs, ALL));
      expect(r.outcome.firstFailingSeq).not.toBeNull();
      expect(r.finding?.check).toBe(s.check);
      tl.close();
    });
  }

  it('on a long stream: O(log n) probes, one segment, and the scan result for every check that fires', () => {
    const tl = record(syntheticStream(60_000, 3, 6, 4096), 512);
    const records = tl.checksSeqs().length;
    let fired = 0;
    for (const c of CHECKS) {
      const want = scanned(tl, [c], ALL);
      const r = bisectChecks(tl, [c], ALL);
      expect({ check: c.id, seq: r.outcome.firstFailingSeq }).toEqual({ check: c.id, seq: want });
      expect(r.outcome.method).toBe('checkpoints');
      expect(r.outcome.probes).toBeLessThanOrEqual(Math.ceil(Math.log2(records + 1)) + 1);
      expect(r.outcome.eventsReplayed).toBeLessThanOrEqual(1024);
      if (want !== null) fired++;
    }
    // the stream provokes the checks that keep their own index (shared pages, cachelines)
    expect(fired).toBeGreaterThanOrEqual(2);
    // once they have reported, the records stop carrying their dedupe sets: records stay small
    const last = tl.checksData(records - 1) as { saved: Record<string, unknown> };
    expect(Object.keys(last.saved)).not.toContain('iommu/phys-shared');
    expect(tl.reader.scan().records.filter((r) => r.kind === RecordKind.checks).every((r) => r.payloadLength < 4096)).toBe(true);
    tl.close();
  });

  it('an error planted late in a long stream: found at its event with a few probes', () => {
    const events = [...syntheticStream(40_000, 8, 4, 4096)].flat();
    const at = 31_337;
    // an unmap of a hole (nothing is ever mapped that high in the synthetic domains)
    const hole = Unmapped.make({ domain: 1, iova: 0x7fff_0000_0000n, size: 0x2000n, unmappedSize: 0n, warn: 1 }, { ts: events[at].ts, line: null, src: 'planted' });
    events.splice(at, 0, hole);
    events.forEach((e, i) => ((e as { seq: number }).seq = i));
    const tl = record([events], 256);
    const r = bisectChecks(tl, CHECKS, ['error']);
    expect(r.outcome.method).toBe('checkpoints');
    expect(r.outcome.firstFailingSeq).toBe(at);
    expect(r.finding?.check).toBe('iommu/unmap-hole');
    expect(r.outcome.probes).toBeLessThanOrEqual(Math.ceil(Math.log2(tl.checksSeqs().length + 1)) + 1);
    expect(r.outcome.eventsReplayed).toBeLessThanOrEqual(256 * 2);
    tl.close();
  });

  it('a journal cut inside a checks record: the records before the damage answer, the same as a scan of the intact part', () => {
    const s = SCENARIOS.find((x) => x.check === 'iommu/unmap-hole')!;
    const events = [...syntheticStream(3000, 2, 3, 4096)].flat();
    const tail = stamped(s).map((e, i) => ({ ...e, seq: events.length + i }) as IommuEvent);
    const tl0 = record([[...events, ...tail]], 64);
    const path = tl0.reader.path;
    tl0.close();
    // cut in the middle of the last checks record
    const scan = JournalReader.open(path).scan();
    const last = scan.records.filter((r) => r.kind === RecordKind.checks).at(-1)!;
    truncateSync(path, last.payloadOffset + Math.floor(last.payloadLength / 2));
    const tl = Timeline.open(path);
    expect(tl.reader.damage?.reason).toMatch(/truncated/);
    for (const sev of [['error'] as Severity[], ALL]) {
      const r = bisectChecks(tl, CHECKS, sev);
      expect(r.outcome.scanReason).toBeUndefined();
      expect(r.outcome.method).toBe('checkpoints');
      expect(r.outcome.firstFailingSeq).toBe(scanned(tl, CHECKS, sev));
    }
    tl.close();
  });

  it('a journal recorded without the checks is scanned, and says why', () => {
    const s = SCENARIOS.find((x) => x.check === 'iommu/unmap-hole')!;
    const tl = record([stamped(s)], 2, null);
    const defs = CHECKS.filter((c) => c.id === s.check);
    const r = bisectChecks(tl, defs, ALL);
    expect(r.outcome.method).toBe('scan');
    expect(r.outcome.scanReason).toMatch(/no checks records/);
    expect(r.outcome.firstFailingSeq).toBe(scanned(tl, defs, ALL));
    tl.close();
  });

  it('a checks record that is not a check point is not trusted, and the reason says so', () => {
    const s = SCENARIOS.find((x) => x.check === 'iommu/unmap-hole')!;
    const defs = CHECKS.filter((c) => c.id === s.check);
    const path = join(dir, `j${n++}.journal`);
    const rec = JournalRecorder.create(path, { checkpointEvery: 2, companion: { feed: () => undefined, save: () => ({ counts: 'garbage' }) } });
    for (const e of stamped(s)) rec.append([e]);
    rec.close();
    const tl = Timeline.open(path);
    const r = bisectChecks(tl, defs, ALL);
    expect(r.outcome.method).toBe('scan');
    expect(r.outcome.scanReason).toMatch(/does not hold the counts/);
    expect(r.outcome.firstFailingSeq).toBe(scanned(tl, defs, ALL));
    tl.close();
  });

  it('records of another version of the check are not trusted', () => {
    const s = SCENARIOS.find((x) => x.check === 'iommu/unmap-hole')!;
    const defs = CHECKS.filter((c) => c.id === s.check);
    const tl = record([stamped(s)], 2, defs.map((d) => ({ ...d, version: d.version + 1 })));
    const r = bisectChecks(tl, defs, ALL);
    expect(r.outcome.method).toBe('scan');
    expect(r.outcome.scanReason).toMatch(/other versions/);
    expect(r.outcome.firstFailingSeq).toBe(scanned(tl, defs, ALL));
    tl.close();
  });

  it('planted faults in a real capture: each at its trace line, from the records', async () => {
    const out = join(dir, 'planted.journal');
    await importTrace('fixtures/faults/x86-q35-vtd-strict-planted', { output: out, checkpointEvery: 512, companion: checkCompanion() });
    const tl = Timeline.open(out);
    const line = (defs: readonly CheckDef[], sev: Severity[]): number | null => {
      const r = bisectChecks(tl, defs, sev);
      expect(r.outcome.method).toBe('checkpoints');
      return r.outcome.firstFailingSeq === null ? null : tl.eventAt(r.outcome.firstFailingSeq).line;
    };
    expect(line(CHECKS, ['error'])).toBe(4156);
    expect(line(CHECKS.filter((c) => c.id === 'iommu/map-in-reserved-region'), ALL)).toBe(8158);
    expect(line(CHECKS.filter((c) => c.id === 'iommu/unmap-short'), ALL)).toBe(15013);
    tl.close();
  });
});
