// The compact checkpoint form of the page-table slice: per domain its counters and format, the
// leaf runs (pfn as a delta from the previous run, physical pfn as a delta from the previous
// physical pfn) and the table pages of each level. Restored into the reducers' own record
// shapes and bulk-built PMaps. A delta checkpoint writes only the domains that changed, and
// of those only the runs and table pages that changed.
import { type ByteReader, type ByteWriter, NotEncodable } from './bytes.js';
import { type DomainPageTable, type PageTablesState, type PgtableConfig } from './page-tables.js';
import { decodeMapDelta, encodeMapDelta } from './pmap-diff.js';
import { PMap, Tx } from './pmap.js';
import { type Run } from './runs.js';

export function encodePageTables(s: PageTablesState, w: ByteWriter): void {
  w.uint(s.domains.size);
  s.domains.forEach((id, d) => {
    w.int(id);
    encodeTable(d, null, w);
  });
}

export function decodePageTables(r: ByteReader): PageTablesState {
  const n = r.count();
  const keys: number[] = new Array(n);
  const vals: DomainPageTable[] = new Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = r.int();
    vals[i] = decodeTable(null, r, null);
  }
  return { domains: PMap.fromSorted(keys, vals) };
}

/** The domains added, changed or gone since `base`; a changed one is written against its base version. */
export function encodePageTablesDelta(base: PageTablesState, s: PageTablesState, w: ByteWriter): void {
  encodeMapDelta(base.domains, s.domains, w, (id, d) => encodeTable(d, base.domains.get(id) ?? null, w));
}

export function decodePageTablesDelta(base: PageTablesState, r: ByteReader): PageTablesState {
  const tx = new Tx();
  return { domains: decodeMapDelta(base.domains, r, tx, (id) => decodeTable(base.domains.get(id) ?? null, r, tx)) };
}

function encodeTable(d: DomainPageTable, base: DomainPageTable | null, w: ByteWriter): void {
  w.byte(base === null ? 0 : 1);
  w.int(d.domain);
  w.u64(d.pgsizeBitmap);
  encodeConfig(d.config, w);
  if (base === null) encodeRuns(d.runs, w);
  else encodeMapDelta(base.runs, d.runs, w, (k, x) => encodeRun(k, x, w));
  w.uint(d.tables.length);
  d.tables.forEach((t, level) => {
    const bt = base?.tables[level];
    if (bt !== undefined) return encodeMapDelta(bt, t, w, (_, seq) => w.int(seq));
    w.uint(t.size);
    let prev = 0;
    t.forEach((k, seq) => {
      w.int(k - prev);
      w.int(seq);
      prev = k;
    });
  });
  w.int(d.mappedPages);
  w.int(d.peakPages);
  w.int(d.maps);
  w.int(d.unmaps);
  w.int(d.overmappedPages);
  w.int(d.missingPages);
}

/** `base`: the domain's version in the base checkpoint, when the writer had one */
function decodeTable(base: DomainPageTable | null, r: ByteReader, tx: Tx | null): DomainPageTable {
  const against = r.byte();
  if (against > 1 || (against === 1 && (base === null || tx === null))) throw new Error('checkpoint data: page table written against a base that is not there');
  const b = against === 1 ? base : null;
  const domain = r.int();
  const pgsizeBitmap = r.u64();
  const config = decodeConfig(r);
  const runs = b === null ? decodeRuns(r) : decodeMapDelta(b.runs, r, tx!, (k) => decodeRun(k, r));
  const levels = r.count();
  const tables: PMap<number>[] = new Array(levels);
  for (let l = 0; l < levels; l++) {
    const bt = b?.tables[l];
    if (bt !== undefined) {
      tables[l] = decodeMapDelta(bt, r, tx!, () => r.int());
      continue;
    }
    const tn = r.count();
    const tk: number[] = new Array(tn);
    const tv: number[] = new Array(tn);
    let prev = 0;
    for (let j = 0; j < tn; j++) {
      prev = tk[j] = prev + r.int();
      tv[j] = r.int();
    }
    tables[l] = PMap.fromSorted(tk, tv);
  }
  // the field order of page-tables.ts empty()
  return {
    domain,
    pgsizeBitmap,
    config,
    runs,
    tables,
    mappedPages: r.int(),
    peakPages: r.int(),
    maps: r.int(),
    unmaps: r.int(),
    overmappedPages: r.int(),
    missingPages: r.int(),
  };
}

function encodeConfig(c: PgtableConfig | null, w: ByteWriter): void {
  if (c === null) return w.byte(0);
  w.byte(1);
  w.str(c.fmt);
  w.int(c.ias);
  w.int(c.oas);
  w.int(c.granule);
  w.u64(c.pgsizeBitmap);
  w.int(c.startLevel);
  w.int(c.pgdBits);
}

function decodeConfig(r: ByteReader): PgtableConfig | null {
  const present = r.byte();
  if (present === 0) return null;
  if (present !== 1) throw new Error(`checkpoint data: bad page-table config marker ${present}`);
  return { fmt: r.str(), ias: r.int(), oas: r.int(), granule: r.int(), pgsizeBitmap: r.u64(), startLevel: r.int(), pgdBits: r.int() };
}

function encodeRuns(runs: PMap<Run>, w: ByteWriter): void {
  w.uint(runs.size);
  let prevPfn = 0;
  let prevPpfn = 0;
  runs.forEach((k, x) => {
    // a run is keyed by its own pfn (runs.ts); a record that says otherwise is not ours to compact
    if (k !== x.pfn) throw new NotEncodable(`page-table run keyed ${k} starts at ${x.pfn}`);
    w.int(x.pfn - prevPfn);
    w.int(x.ppfn - prevPpfn);
    w.int(x.pgsize);
    w.int(x.count);
    w.optInt(x.prot);
    w.int(x.seq);
    prevPfn = x.pfn;
    prevPpfn = x.ppfn;
  });
}

/** One run of a delta, by itself: its key is written by the map delta, the rest absolutely. */
function encodeRun(k: number, x: Run, w: ByteWriter): void {
  if (k !== x.pfn) throw new NotEncodable(`page-table run keyed ${k} starts at ${x.pfn}`);
  w.int(x.ppfn);
  w.int(x.pgsize);
  w.int(x.count);
  w.optInt(x.prot);
  w.int(x.seq);
}

function decodeRun(pfn: number, r: ByteReader): Run {
  return { pfn, ppfn: r.int(), pgsize: r.int(), count: r.int(), prot: r.optInt(), seq: r.int() };
}

function decodeRuns(r: ByteReader): PMap<Run> {
  const n = r.count();
  const keys: number[] = new Array(n);
  const vals: Run[] = new Array(n);
  let pfn = 0;
  let ppfn = 0;
  for (let i = 0; i < n; i++) {
    pfn += r.int();
    ppfn += r.int();
    keys[i] = pfn;
    // the field order of runs.ts coverRange()
    vals[i] = { pfn, ppfn, pgsize: r.int(), count: r.int(), prot: r.optInt(), seq: r.int() };
  }
  return PMap.fromSorted(keys, vals);
}
