import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { syntheticJournal } from '../bench/synthetic.js';
import { type IommuEvent } from '../domain-events/index.js';
import { iovaRanges, iovaToPhys, leavesIn } from '../projections/index.js';
import { evolveBatch, initialState, type State, stateHash } from '../reducers/index.js';
import { createUiServer, type UiServer } from './server.js';
import { UiSession } from './session.js';
import { memoryStore } from './store.js';

const EVENTS = syntheticJournal(12000, 7, 3);

function stateAfter(seq: number): State {
  return evolveBatch(initialState(), EVENTS.slice(0, seq + 1));
}

/** A raw request: the path goes out exactly as written (no client-side normalisation). */
function raw(port: number, path: string, opts: { method?: string; host?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function json(port: number, path: string): Promise<Record<string, unknown>> {
  const r = await raw(port, path);
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as Record<string, unknown>;
}

let ui: UiServer;

beforeAll(async () => {
  ui = await createUiServer({ stores: [memoryStore('synthetic', null, EVENTS, 1000)], port: 0 });
});
afterAll(async () => {
  await ui.close();
  for (const r of ui.sessions) r.store.close();
});

describe('ui server: safety', () => {
  it('listens on 127.0.0.1 only and prints that address', () => {
    const a = ui.server.address();
    expect(typeof a === 'object' && a !== null && a.address).toBe('127.0.0.1');
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/`);
  });

  it('cannot be reached on any other address of this machine', async () => {
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && !i.internal && !i.address.startsWith('fe80'))
      .map((i) => i!.address);
    for (const addr of others) {
      const reached = await new Promise<boolean>((resolve) => {
        const s = connect({ host: addr, port: ui.port, timeout: 2000 });
        s.on('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
        s.on('timeout', () => {
          s.destroy();
          resolve(false);
        });
      });
      expect(reached, `reachable on ${addr}`).toBe(false);
    }
    // and the loopback alias that is not 127.0.0.1 does not answer either
    const v6 = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '::1', port: ui.port });
      s.on('connect', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    expect(v6).toBe(false);
  });

  it('refuses path traversal, plain or percent-encoded, with 400 and never serves a file outside the assets', async () => {
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/%2E%2E%2Fpackage.json', '/static/../../package.json', '/api/../package.json', '/..%5cpackage.json']) {
      const r = await raw(ui.port, p);
      expect(r.status, p).toBe(400);
      expect(r.body).not.toContain('"name": "iommu-journal"');
    }
  });

  it('answers 404 for unknown paths and queries, 405 for other methods, 421 for a foreign Host', async () => {
    expect((await raw(ui.port, '/package.json')).status).toBe(404);
    expect((await raw(ui.port, '/web/server.ts')).status).toBe(404);
    expect((await raw(ui.port, '/api/nothing')).status).toBe(404);
    expect((await raw(ui.port, '/', { method: 'POST' })).status).toBe(405);
    expect((await raw(ui.port, '/', { host: 'evil.example:80' })).status).toBe(421);
  });

  it('answers 400 with a one-line reason for absurd or malformed parameters', async () => {
    const cases = [
      '/api/state?seq=99999999',
      '/api/state?seq=-2',
      '/api/state?seq=abc',
      '/api/iova?domain=1&lo=10&hi=5',
      '/api/iova?domain=1&lo=0&hi=1e400',
      '/api/iova?domain=1&hi=99999999999999999999',
      '/api/timeline?buckets=1000000000',
      '/api/events?from=0&count=100000',
      '/api/history?space=iova&addr=0x1ffffffffffffffff&domain=1',
      '/api/history?space=disk&addr=0x1000',
      '/api/pagetable?domain=1&level=7',
      '/api/state?run=3',
    ];
    for (const c of cases) {
      const r = await raw(ui.port, c);
      expect(r.status, c).toBe(400);
      const msg = (JSON.parse(r.body) as { error: string }).error;
      expect(msg).not.toContain('\n');
      expect(msg.length).toBeGreaterThan(5);
    }
  });

  it('serves the page and the chart library from the allow-list', async () => {
    const page = await raw(ui.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/app.js">');
    const lib = await raw(ui.port, '/vendor/uPlot.esm.js');
    expect(lib.status).toBe(200);
    expect(lib.body).toContain('uPlot');
  });
});

describe('ui server: answers match the reducers', () => {
  it('the state at a seq, however it is reached (cold, stepping, backwards), hashes like a replay', () => {
    const s = ui.sessions[0];
    // a deterministic walk: jumps across blocks, steps, and steps back
    const walk = [5000, 5001, 5002, 4999, 11999, 0, -1, 2500, 1000, 999, 7777, 7778];
    for (const seq of walk) expect(stateHash(s.stateAt(seq)), `seq ${seq}`).toBe(stateHash(seq < 0 ? initialState() : stateAfter(seq)));
  });

  it('the IOVA window lists the allocator ranges and the live mappings of the state', async () => {
    const seq = 6543;
    const st = stateAfter(seq);
    const dom = 2;
    const w = (await json(ui.port, `/api/iova?seq=${seq}&domain=${dom}&lo=0&hi=${2 ** 36 - 1}&limit=5000`)) as { ranges: { lo: number; hi: number; kind: string }[]; maps: { lo: number; hi: number; paddr: string }[]; rangesTotal: number };
    const iov = st.iova.domains.get(dom)!;
    const g = iov.granule / 4096;
    expect(w.ranges.map((r) => [r.lo, r.hi, r.kind])).toEqual(iovaRanges(iov).map((r) => [r.pfnLo * g, (r.pfnHi + 1) * g - 1, r.kind]));
    const leaves = leavesIn(st.pageTables.domains.get(dom)!, 0n, 1n << 48n);
    expect(w.maps.map((m) => m.paddr)).toEqual(leaves.map((l) => '0x' + l.paddr.toString(16)));
    expect(w.ranges.length).toBeGreaterThan(0);
  });

  it('the page table tree reaches every leaf, and translate agrees with iova_to_phys', async () => {
    const seq = 9000;
    const st = stateAfter(seq);
    const dom = 1;
    const pt = st.pageTables.domains.get(dom)!;
    const leaf = leavesIn(pt, 0n, 1n << 48n, 1)[0];
    let t = (await json(ui.port, `/api/pagetable?seq=${seq}&domain=${dom}`)) as { level: number; levels: { level: number }[]; entries: { kind: string; iova: string; paddr: string | null }[] };
    for (;;) {
      // the entry covering the leaf: the last one starting at or below it
      const hit = t.entries.filter((x) => BigInt(x.iova) <= leaf.iova).pop();
      expect(hit, `level ${t.level}`).toBeDefined();
      if (!hit) break;
      if (hit.kind !== 'table') {
        expect(BigInt(hit.iova)).toBe(leaf.iova);
        expect(hit.paddr).toBe('0x' + leaf.paddr.toString(16));
        break;
      }
      t = (await json(ui.port, `/api/pagetable?seq=${seq}&domain=${dom}&level=${t.level + 1}&iova=${hit.iova}`)) as typeof t;
    }
    const x = (await json(ui.port, `/api/translate?seq=${seq}&domain=${dom}&iova=0x${(leaf.iova + 0x123n).toString(16)}`)) as { phys: string | null };
    expect(x.phys).toBe('0x' + iovaToPhys(pt, leaf.iova + 0x123n)!.toString(16));
  });

  it('history lists exactly the events that touched the page, and timeline buckets add up to the events', async () => {
    const m = EVENTS.find((e): e is Extract<IommuEvent, { type: 'Mapped' }> => e.type === 'Mapped' && e.seq > 3000)!;
    const h = (await json(ui.port, `/api/history?space=iova&domain=${m.domain}&addr=0x${m.iova.toString(16)}`)) as { events: { seq: number }[] };
    const page = m.iova >> 12n;
    const expected = EVENTS.filter(
      (e) => (e.type === 'Mapped' || e.type === 'Unmapped') && e.domain === m.domain && e.iova >> 12n <= page && (e.iova + e.size - 1n) >> 12n >= page,
    ).map((e) => e.seq);
    const got = h.events.map((e) => e.seq);
    for (const s of expected) expect(got).toContain(s);
    expect(got).toContain(m.seq);
    const t = (await json(ui.port, '/api/timeline?buckets=37')) as { buckets: { counts: number[] }[] };
    expect(t.buckets.length).toBe(37);
    expect(t.buckets.reduce((a, b) => a + b.counts.reduce((x, y) => x + y, 0), 0)).toBe(EVENTS.length);
    const z = (await json(ui.port, '/api/timeline?from=100&to=199&buckets=10')) as { buckets: { counts: number[] }[] };
    expect(z.buckets.map((b) => b.counts.reduce((x, y) => x + y, 0))).toEqual(new Array(10).fill(10));
  });

  it('timeline buckets count the same from the precomputed fine buckets and from the events', () => {
    const coarse = UiSession.load(memoryStore('synthetic', null, EVENTS, 1000), { fineBuckets: 100 });
    onTestFinished(() => coarse.store.close());
    const cats = coarse.index.fine.length / 100;
    expect(cats).toBe(10);
    const count = (from: number, to: number, n: number) => {
      const w = (to - from + 1) / n;
      const out = Array.from({ length: n }, () => 0);
      for (const e of EVENTS) if (e.seq >= from && e.seq <= to) out[Math.min(n - 1, Math.floor((e.seq - from) / w))]++;
      return out;
    };
    // fine path: buckets narrower than a fine bucket (120 events) scan the events
    const a = coarse.timeline(3000, 3599, 60);
    expect(a.buckets.map((b) => b.counts.reduce((x, y) => x + y, 0))).toEqual(count(3000, 3599, 60));
    // coarse path: whole fine buckets, bucket edges aligned to them here
    const b = coarse.timeline(0, 11999, 25);
    expect(b.buckets.map((x) => x.counts.reduce((p, q) => p + q, 0))).toEqual(count(0, 11999, 25));
    // per category too: the maps in a scanned window
    const mapIdx = a.categories.indexOf('map');
    expect(a.buckets.reduce((n, x) => n + x.counts[mapIdx], 0)).toBe(EVENTS.filter((e) => e.seq >= 3000 && e.seq <= 3599 && e.type === 'Mapped').length);
  });

  it('seeks by trace time to the last event at or before it', async () => {
    const e = EVENTS[4321];
    const r = (await json(ui.port, `/api/seek?ts=${e.ts}`)) as { seq: number };
    const expected = EVENTS.filter((x) => x.ts !== null && x.ts <= e.ts!).pop()!.seq;
    expect(r.seq).toBe(expected);
  });
});
