// Every bundled real capture (fixtures/traces, copied from ../shared/traces): parsed without
// errors, every map/unmap line attributed to a domain without conflicts, the kernel's IOVAs
// predicted at the rates the model is held to, and the replayed mappings agreeing with the
// translations QEMU's emulated IOMMU performed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../domain-events/index.js';
import { doorbellViews, leavesIn } from '../projections/index.js';
import { evolve, initialState, type State } from '../reducers/index.js';
import { crossCheck } from './hw/crosscheck.js';
import { readQemuLog } from './hw/qemu-log.js';
import { importTrace } from './importer.js';

const ROOT = 'fixtures/traces';
// the captures with tracefs text to count from; the heavy trace-cmd capture (trace.dat only,
// 2.56 M events) has its own tests (ingest/tracedat/reader.test.ts, bench/tracedat.ts)
const CAPTURES = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (existsSync(join(ROOT, d.name, 'trace.txt')) || existsSync(join(ROOT, d.name, 'trace.txt.gz'))))
  .map((d) => d.name);

/** a capture's tracefs text, kept gzip-compressed when large */
function traceText(name: string): string {
  const plain = join(ROOT, name, 'trace.txt');
  return existsSync(plain) ? readFileSync(plain, 'utf8') : gunzipSync(readFileSync(plain + '.gz')).toString('utf8');
}

function count(text: string, re: RegExp): number {
  return (text.match(re) ?? []).length;
}

// Where this build falls short of issue 13's targets (honest prediction ≥ 0.99 strict, ≥ 0.95
// lazy; the replay agreeing with ≥ 99.9 % of QEMU's IOTLB fills), the capture is held at the
// figure it reaches today, so that a regression still fails, and the README states the shortfall.
// 6.1 captures have no dma:* events: their lines are placed from hints only, and a misplaced
// line costs a prediction and, in that domain, the fills of the device the hardware saw.
// None falls short today (the boot probes placed by their fresh domains' allocators, evidence/allocator.ts).
const SHORT_OF_TARGET: Readonly<Record<string, { readonly predicted?: number; readonly fills?: number }>> = {};

describe.each(CAPTURES)('capture %s', (name) => {
  it('imports with 0 parse errors, attributes every map and unmap, and predicts the kernel IOVAs', async () => {
    const text = traceText(name);
    const r = await importTrace(join(ROOT, name), { output: null });
    const s = r.summary;
    expect(s.parseErrors).toBe(0);
    expect(s.attribution.mapLines).toBe(count(text, /: map: IOMMU:/g));
    expect(s.attribution.unmapLines).toBe(count(text, /: unmap: IOMMU:/g));
    expect(s.attribution.unattributed).toBe(0);
    expect(s.attribution.conflicts).toBe(0);
    const lazy = s.profile.includes('+lazy');
    const target = SHORT_OF_TARGET[name]?.predicted ?? (lazy ? 0.95 : 0.99);
    if (s.score.maps > 0) expect(s.score.exact / s.score.maps).toBeGreaterThanOrEqual(target);
    // provenance on every event that came from a line
    for (const e of r.events!) if (e.type === 'Mapped' || e.type === 'Unmapped') expect(e.line).toBeGreaterThan(0);
    // the allocator's side as the model reads it: an IOVA allocation before every kernel-chosen
    // map, and on lazy captures the flush queue the unmapped IOVAs wait in
    const types = new Set(r.events!.map((e) => e.type));
    if (s.score.maps > 0) expect(types.has('IovaAllocated')).toBe(true);
    if (lazy && s.score.maps > 0) expect(types.has('FlushQueued')).toBe(true);
    // (that every map lands on an IOVA the recorded allocator holds is checks/captures.test.ts:
    // iommu/pgtable-iova-inconsistent stays silent on every capture)
    // QEMU's own IOTLB fills: the translations the emulated hardware performed
    const log = join(ROOT, name, 'qemu_iommu_trace.log.gz');
    if (existsSync(log)) {
      const q = await readQemuLog(log);
      if (q.fills.length > 100) {
        const c = crossCheck([r.events!], q);
        expect(c.unknownDevice).toBe(0);
        expect(c.agree / c.fills).toBeGreaterThanOrEqual(SHORT_OF_TARGET[name]?.fills ?? 0.999);
      }
    }
  });
});

describe('the VFIO capture (6.12, arm64)', () => {
  it('shows the MSI-cookie doorbell at the msi region base, the DMA-cookie doorbells, and the 2 MiB VFIO map as one block', async () => {
    const r = await importTrace(join(ROOT, 'arm64-virt-smmuv3-vfio-612'), { output: null });
    let s = initialState();
    let sawBlock = false;
    // the VFIO domain goes at the close, its MSI cookie with it: the doorbells as they were before
    let open: State | null = null;
    for (const e of r.events as IommuEvent[]) {
      if (e.type === 'CookiePut' && open === null) open = s;
      s = evolve(s, e);
      if (e.type === 'Mapped' && e.size === 0x200000n) {
        const leaves = leavesIn(s.pageTables.domains.get(e.domain)!, e.iova, e.iova + e.size);
        expect(leaves).toHaveLength(1);
        expect(leaves[0].pgsize).toBe(0x200000);
        sawBlock = true;
      }
    }
    expect(sawBlock).toBe(true);
    expect(doorbellViews(s).filter((v) => v.cookie === 'msi')).toEqual([]);
    expect(open).not.toBeNull();
    const views = doorbellViews(open!);
    const msi = views.filter((v) => v.cookie === 'msi');
    expect(msi).toHaveLength(1);
    expect(msi[0].doorbells.map((b) => b.iova)).toEqual([0x8000000n]);
    expect(views.filter((v) => v.cookie === 'dma').length).toBeGreaterThanOrEqual(3);
  });

  it('names the device of every 6.12 map through its dma:* event', async () => {
    const r = await importTrace(join(ROOT, 'x86-q35-vtd-strict-612'), { output: null });
    const maps = (r.events as IommuEvent[]).filter((e) => e.type === 'Mapped');
    const how = new Set(maps.map((e) => e.how));
    for (const h of how) expect(['dma-event', 'continuation', 'direct-region', 'doorbell', 'msi-window']).toContain(h);
  });
});
