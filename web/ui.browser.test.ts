// The page in a real browser (playwright-core driving Debian's chromium) on a real bundled
// capture, imported on the fly. What the page shows is compared with the reducer state the
// test computes itself. Findings and diff come from small checks defined here that compute
// real results from the events. Screenshots go to docs/screenshots/ for the README.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../checks/index.js';
import { type IommuEvent } from '../domain-events/index.js';
import { iovaRanges, iovaToPhys, leavesIn } from '../projections/index.js';
import { evolveBatch, initialState, livePages, pagesOf, pfnOf, type State } from '../reducers/index.js';
import { type DiffReport } from '../replay/diff-report.js';
import { openUiInput } from './open.js';
import { diffWithFindings } from '../cli/diff-findings.js';
import { createUiServer, type UiServer } from './server.js';
import { type EventStore } from './store.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const TRACE_A = 'fixtures/traces/arm64-virt-smmuv3-strict/trace.txt';
const TRACE_B = 'fixtures/traces/arm64-virt-smmuv3-lazy/trace.txt';
const PLANTED = 'fixtures/faults/x86-q35-vtd-strict-planted/trace.txt';
// the README's screenshots are rewritten only on request (UPDATE_SCREENSHOTS=1), so a test run
// leaves the checkout as it was
const SHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : scratchDir('ij-shots-');

function findChromium(): string | null {
  const env = process.env.CHROMIUM_PATH;
  if (env && existsSync(env)) return env;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

type Mapped = Extract<IommuEvent, { type: 'Mapped' }>;

function replayTo(ui: UiServer, seq: number): State {
  let s = initialState();
  for (const b of ui.sessions[0].blocks()) {
    s = evolveBatch(s, b.filter((e) => e.seq <= seq));
    if (b[b.length - 1].seq >= seq) break;
  }
  return s;
}

const browserPath = findChromium();
if (!browserPath) console.warn('ui.browser.test: SKIPPED: no chromium found (apt-get install chromium, or set CHROMIUM_PATH)');

describe.skipIf(!browserPath)('ui in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let storeA: EventStore;
  let storeB: EventStore;
  let ui: UiServer;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [storeA, storeB] = await Promise.all([openUiInput(TRACE_A), openUiInput(TRACE_B)]);
    ui = await createUiServer({ stores: [storeA], port: 0, runChecks: (blocks) => runChecks(blocks) });
    browser = await chromium.launch({ executablePath: browserPath!, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(ui.url);
    await page.waitForSelector('body[data-ready="1"][data-busy="0"]', { timeout: 20000 });
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    storeA?.close();
    storeB?.close();
  });

  const settled = (seq: number) => page.waitForSelector(`body[data-seq="${seq}"][data-busy="0"]`, { timeout: 20000 });

  it('loads the capture: timeline, charts, the last event', async () => {
    expect(await page.locator('#pos').getAttribute('data-seq')).toBe(String(ui.sessions[0].lastSeq));
    // mapped bytes, IOVA held by the allocators, rcache fill (the model's reading of a strict trace)
    expect(await page.locator('#charts .chart canvas').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#charts .chart, #charts .muted').count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
  });

  it('seeks to an event and shows the mappings of its domain as the reducers have them; steps with the keyboard', async () => {
    // a map in the middle of the run, in the domain with the most traffic
    const ev = [...ui.sessions[0].blocks()].flat().filter((e): e is Mapped => e.type === 'Mapped');
    const m = ev[Math.floor(ev.length / 2)];
    await page.fill('#seq-input', String(m.seq));
    await page.press('#seq-input', 'Enter');
    await settled(m.seq);
    if ((await page.locator('body').getAttribute('data-domain')) !== String(m.domain)) {
      await page.selectOption('#domain', String(m.domain));
      await page.waitForSelector(`body[data-domain="${m.domain}"][data-busy="0"]`);
    }
    await page.waitForSelector(`svg#iova[data-seq="${m.seq}"][data-domain="${m.domain}"]`);
    const st = replayTo(ui, m.seq);
    const pt = st.pageTables.domains.get(m.domain)!;
    const lo = Number(await page.locator('svg#iova').getAttribute('data-lo'));
    const hi = Number(await page.locator('svg#iova').getAttribute('data-hi'));
    const expected = leavesIn(pt, BigInt(lo) << 12n, BigInt(hi + 1) << 12n).map((l) => `0x${l.paddr.toString(16)}@${pfnOf(l.iova)}`);
    const shown = await page.locator('svg#iova rect.map').evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-paddr')}@${r.getAttribute('data-lo')}`));
    expect(expected.length).toBeGreaterThan(0);
    expect(shown).toEqual(expected);
    // the map just made is in the picture
    expect(shown).toContain(`0x${iovaToPhys(pt, m.iova)!.toString(16)}@${pfnOf(m.iova)}`);
    const bells = (st.cookies.byDomain[m.domain]?.msiPages ?? []).filter((p) => Number(p.iova >> 12n) >= lo && Number(p.iova >> 12n) <= hi);
    expect(await page.locator('svg#iova .doorbell').count()).toBe(bells.length);
    // seek by trace time, with a unit: the last event at or before it
    const all = [...ui.sessions[0].blocks()].flat();
    const atTs = all.filter((x) => x.ts !== null && x.ts <= m.ts!).pop()!.seq;
    await page.fill('#ts-input', `${m.ts! / 1e6}ms`);
    await page.press('#ts-input', 'Enter');
    await settled(atTs);
    await page.fill('#seq-input', String(m.seq));
    await page.press('#seq-input', 'Enter');
    await settled(m.seq);
    // keys act when no input has the focus
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('ArrowRight');
    await settled(m.seq + 1);
    await page.keyboard.press('ArrowLeft');
    await settled(m.seq);
    // the history of the physical page the map targets, from the event's address buttons
    await page.click('#event-addrs button[data-space="phys"]');
    await page.waitForSelector(`#history .row.cur[data-seq="${m.seq}"]`);
    expect(await page.locator('#history-of').textContent()).toContain(`phys 0x${m.paddr.toString(16)}`);
    const physRows = await page.locator('#history .row').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-seq'))));
    const page0 = m.paddr >> 12n;
    const touching = ev.filter((x) => x.paddr >> 12n <= page0 && (x.paddr + x.size - 1n) >> 12n >= page0).map((x) => x.seq);
    for (const seq of touching) if (Math.abs(seq - m.seq) < 100) expect(physRows).toContain(seq);
    await page.screenshot({ path: join(SHOTS, 'iova.png'), fullPage: false });

    // page table: open the tables down to the leaf of that map
    for (;;) {
      const lis = page.locator('#pt li[data-iova]');
      const rows = await lis.evaluateAll((ls) => ls.map((l) => ({ iova: l.getAttribute('data-iova')!, kind: l.getAttribute('data-kind')!, level: Number(l.getAttribute('data-level')), paddr: l.getAttribute('data-paddr'), open: l.querySelector(':scope > span.open') !== null })));
      const leaf = rows.find((r) => r.kind !== 'table' && BigInt(r.iova) === m.iova);
      if (leaf) {
        expect(leaf.paddr).toBe(`0x${iovaToPhys(pt, m.iova)!.toString(16)}`);
        break;
      }
      const deepest = Math.max(...rows.filter((r) => r.kind === 'table' && BigInt(r.iova) <= m.iova).map((r) => r.level));
      const next = rows.filter((r) => r.kind === 'table' && r.level === deepest && !r.open && BigInt(r.iova) <= m.iova).pop();
      expect(next, 'a table entry on the way to the leaf').toBeDefined();
      await page.locator(`#pt li[data-level="${next!.level}"][data-iova="${next!.iova}"] > span`).click();
      await page.waitForSelector(`#pt li[data-level="${next!.level}"][data-iova="${next!.iova}"] > span.open`);
    }
    await page.locator('#pt').screenshot({ path: join(SHOTS, 'page-table.png') });
  });

  it('clicking a finding lands on its event and shows the history of its address', async () => {
    // the clean captures give no finding: the capture with three planted faults does
    const store = await openUiInput(PLANTED);
    const one = await createUiServer({ stores: [store], port: 0, runChecks: (blocks) => runChecks(blocks) });
    try {
      const p = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
      await p.goto(one.url);
      await p.waitForSelector('body[data-ready="1"][data-busy="0"]', { timeout: 20000 });
      const run = runChecks(one.sessions[0].blocks());
      const f = run.findings.find((x) => x.severity === 'error');
      expect(f, 'an error finding in the planted capture').toBeDefined();
      await p.locator(`#findings .row.finding[data-seq="${f!.seq}"]`).first().click();
      await p.waitForSelector(`body[data-seq="${f!.seq}"][data-busy="0"]`, { timeout: 20000 });
      await p.waitForSelector(`#history .row.cur[data-seq="${f!.seq}"]`);
      // the history holds the earlier event the finding relates to
      for (const r of f!.related) expect(await p.locator(`#history .row[data-seq="${r.seq}"]`).count()).toBe(1);
      expect(await p.locator(`#findings .row.cur[data-seq="${f!.seq}"]`).count()).toBeGreaterThan(0);
      await p.screenshot({ path: join(SHOTS, 'finding.png'), fullPage: true });
    } finally {
      await one.close();
      store.close();
    }
  });

  it('a journal the model produced shows the allocator: ranges, rcache-held ranges and the doorbell, as the reducers have them', async () => {
    const store = await openUiInput('fixtures/journals/demo.journal');
    const one = await createUiServer({ stores: [store], port: 0 });
    try {
      const p = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      await p.goto(one.url);
      await p.waitForSelector('body[data-ready="1"][data-busy="0"]');
      const dom = Number(await p.locator('body').getAttribute('data-domain'));
      const st = replayTo(one, one.sessions[0].lastSeq);
      const iov = st.iova.domains.get(dom)!;
      const g = iov.granule / 4096;
      const lo = Number(await p.locator('svg#iova').getAttribute('data-lo'));
      const hi = Number(await p.locator('svg#iova').getAttribute('data-hi'));
      const expected = iovaRanges(iov, Math.floor(lo / g), Math.floor(hi / g)).map((r) => `${r.kind}:${r.pfnLo * g}-${(r.pfnHi + 1) * g - 1}`);
      const shown = await p.locator('svg#iova rect.range').evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-kind')}:${r.getAttribute('data-lo')}-${r.getAttribute('data-hi')}`));
      expect(shown).toEqual(expected);
      expect(shown.some((x) => x.startsWith('cached:'))).toBe(true);
      expect(await p.locator('#charts .chart canvas').count()).toBeGreaterThanOrEqual(3);
      // hover an allocated range: its pages, size, and who allocated it when
      const r0 = p.locator('svg#iova rect.range.allocated').first();
      const page0 = Number(await r0.getAttribute('data-lo'));
      const allocs = [...one.sessions[0].blocks()].flat().filter((e) => e.type === 'IovaAllocated' && e.domain === dom && e.pfnLo * g <= page0 && (e.pfnHi + 1) * g - 1 >= page0);
      await r0.hover();
      await p.waitForFunction(() => document.getElementById('tip')!.textContent!.includes('allocated by'));
      const tip = await p.locator('#tip').textContent();
      expect(tip).toContain(`allocated by #${allocs[allocs.length - 1].seq}`);
      expect(tip).toContain(`pfn  0x${page0.toString(16)}`);
      expect(await p.locator('svg#iova .doorbell').count()).toBe(st.cookies.byDomain[dom].msiPages.length);
      await p.locator('#explore .col.wide > .card').first().screenshot({ path: join(SHOTS, 'iova-allocator.png') });
      await p.close();
    } finally {
      await one.close();
      store.close();
    }
  });

  it('opens the diff of two runs: first divergence highlighted on both sides, IOVA pictures side by side', async () => {
    const two = await createUiServer({ stores: [storeA, storeB], port: 0, diffRuns: diffWithFindings, runChecks: (blocks) => runChecks(blocks) });
    try {
      const expected = diffWithFindings(
        { input: TRACE_A, profile: null, blocks: () => two.sessions[0].blocks() },
        { input: TRACE_B, profile: null, blocks: () => two.sessions[1].blocks() },
      ).firstDivergence!;
      expect(expected).not.toBeNull();
      const p = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      await p.goto(two.url);
      await p.waitForSelector('body[data-ready="1"]');
      await p.click('#tab-diff');
      await p.waitForSelector('body[data-diff="ready"]', { timeout: 15000 });
      const text = await p.locator('#first-divergence').textContent();
      expect(text).toContain(`A #${expected.seqA}`);
      expect(text).toContain(`B #${expected.seqB}`);
      expect(text).toContain(expected.what);
      expect(await p.locator(`#diff-a-events .row.diverge[data-seq="${expected.seqA}"]`).count()).toBe(1);
      expect(await p.locator(`#diff-b-events .row.diverge[data-seq="${expected.seqB}"]`).count()).toBe(1);
      expect(await p.locator('#diff-a-iova rect.map').count()).toBeGreaterThan(0);
      expect(await p.locator('#diff-b-iova rect.map').count()).toBeGreaterThan(0);
      await p.screenshot({ path: join(SHOTS, 'diff.png'), fullPage: true });
      // step both runs together, then back
      await p.click('#diff-step button:has-text("both ▶")');
      await p.waitForSelector(`#diff-a-events .row.cur[data-seq="${expected.seqA! + 1}"]`);
      await p.waitForSelector(`#diff-b-events .row.cur[data-seq="${expected.seqB! + 1}"]`);
      await p.click('#diff-step button:has-text("back to the divergence")');
      await p.waitForSelector(`#diff-b-events .row.cur.diverge[data-seq="${expected.seqB}"]`);
      // a diverging row opens that run at that event
      await p.click(`#diff-b-events .row.diverge[data-seq="${expected.seqB}"]`);
      await p.waitForSelector(`body[data-seq="${expected.seqB}"][data-busy="0"]`);
      expect(await p.locator('#input').textContent()).toContain('run B');
      await p.close();
    } finally {
      await two.close();
    }
  });
});
