// The page: one current point (run, event, domain) that every panel follows. Seeks coalesce
// (the latest wins while one is in flight), so dragging the scrubber over a million events
// stays smooth; the URL hash keeps the point, so a reload or a shared link lands there.
import { api } from './api.js';
import { Charts } from './charts.js';
import { showDiff } from './diff.js';
import { loadFindings } from './findings.js';
import { el, hexPage } from './fmt.js';
import { describe, IovaView, KIND_COLORS } from './iova-view.js';
import { showDoorbells, showEvent, showEventAddrs, showHistory, showNear, showPasids, showTopology } from './panels.js';
import { PageTableTree } from './pagetable.js';
import { Timeline } from './timeline.js';

const $ = (id) => document.getElementById(id);
const S = { run: 0, seq: -1, domain: null, info: null, state: null, maxPage: 2 ** 36 - 1, history: null };
const status = (msg) => { $('status').textContent = msg; };

const timeline = new Timeline($('timeline'), $('timeline-legend'), (seq) => seek(seq));
const charts = new Charts($('charts'), (seq) => seek(seq));
const tree = new PageTableTree($('pt'), $('pt-fmt'), (leaf) => history('phys', leaf.paddr, null));
const whoCache = new Map();
let hoverTimer = null;
const iova = new IovaView($('iova'), {
  maxPage: () => S.maxPage,
  onWindow: () => refreshIova(),
  onPick: (kind, page, item, ev) => {
    if (kind === 'map' && item && ev.shiftKey) return history('phys', hexPage(Number(BigInt(item.paddr) >> 12n) + (page - item.lo)), null);
    history('iova', hexPage(page), S.domain);
  },
  onHover: (item, ev) => {
    const tip = $('tip');
    if (!item) { tip.hidden = true; return; }
    tip.hidden = false;
    tip.style.left = `${ev.clientX + 14}px`;
    tip.style.top = `${ev.clientY + 14}px`;
    const key = `${S.run}:${S.seq}:${S.domain}:${item.lo}`;
    tip.textContent = describe(item, whoCache.get(key));
    if (item.lo !== undefined && !whoCache.has(key) && item.kind !== 'free gap') {
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(async () => {
        whoCache.set(key, await api('who', { run: S.run, seq: S.seq, domain: S.domain, page: item.lo }));
        if (!tip.hidden) tip.textContent = describe(item, whoCache.get(key));
      }, 120);
    }
  },
});

let inflight = false;
let pending = null;

async function seek(seq) {
  const last = S.info.runs[S.run].lastSeq;
  seq = Math.max(-1, Math.min(last, Math.round(seq)));
  if (inflight) { pending = seq; return; }
  inflight = true;
  document.body.dataset.busy = '1';
  try {
    await render(seq);
  } catch (err) {
    status(err.message);
  } finally {
    inflight = false;
  }
  if (pending !== null) { const p = pending; pending = null; return seek(p); }
  document.body.dataset.busy = '0';
}

async function render(seq) {
  S.seq = seq;
  const st = await api('state', { run: S.run, seq });
  S.state = st;
  $('pos').textContent = `#${seq} / ${S.info.runs[S.run].lastSeq}${st.ts !== null ? ` · ${st.ts} ns` : ''}`;
  $('pos').dataset.seq = seq;
  $('seq-input').value = seq;
  $('phase').textContent = st.phase ? `phase: ${st.phase.text}` : '';
  timeline.setCursor(seq);
  charts.setCursor(seq);
  showEvent($('event'), st.event);
  showEventAddrs($('event-addrs'), st.event, S.domain, (space, addr, d) => history(space, addr, d));
  const withIova = st.domains.filter((d) => d.hasIova || d.maps > 0);
  const doms = withIova.length ? withIova : st.domains;
  const sel = $('domain');
  sel.replaceChildren(...doms.map((d) => el('option', { value: d.domain, text: `domain ${d.domain} (${d.type}${d.devices.length ? ', ' + d.devices.join(' ') : ''})` })));
  const evDomain = typeof st.event?.domain === 'number' && doms.some((d) => d.domain === st.event.domain) ? st.event.domain : null;
  let changed = false;
  if (S.domain === null || !doms.some((d) => d.domain === S.domain)) {
    S.domain = evDomain ?? [...doms].sort((a, b) => b.maps - a.maps)[0]?.domain ?? null;
    changed = true;
  }
  sel.value = S.domain ?? '';
  location.replace(`#run=${S.run}&seq=${seq}${S.domain !== null ? '&domain=' + S.domain : ''}`);
  showTopology($('topology'), st, (d) => setDomain(d));
  showDoorbells($('doorbells'), st);
  showPasids($('pasids'), st);
  await Promise.all([
    showNear($('events-near'), S.run, Math.max(0, seq), (s) => seek(s)),
    S.domain !== null ? (changed ? fit() : refreshIova()) : Promise.resolve(),
    S.domain !== null ? tree.show(S.run, seq, S.domain) : Promise.resolve(),
  ]);
  if (S.history) await history(S.history.space, S.history.addr, S.history.domain);
  for (const r of document.querySelectorAll('#findings .row')) r.classList.toggle('cur', Number(r.dataset.seq) === seq);
  document.body.dataset.seq = seq;
  document.body.dataset.domain = S.domain ?? '';
}

function domainInfo() {
  return S.state?.domains.find((d) => d.domain === S.domain);
}

async function refreshIova() {
  if (S.domain === null) return;
  const w = await api('iova', { run: S.run, seq: S.seq, domain: S.domain, lo: iova.lo, hi: iova.hi, limit: 2000, cols: Math.max(100, Math.floor($('iova').clientWidth)) });
  iova.render(w);
  Object.assign($('iova').dataset, { domain: S.domain, seq: S.seq, lo: iova.lo, hi: iova.hi });
  $('iova-window').textContent = `${hexPage(iova.lo)} – ${hexPage(iova.hi + 1)}`;
  $('iova-counts').textContent = `${w.rangesTotal} allocator ranges, ${w.mapsTotal} mapping runs, ${w.doorbells.length} doorbells in view${w.rangesTotal > w.ranges.length || w.mapsTotal > w.maps.length ? ' (shown as coverage: zoom in for single ranges)' : ''}`;
}

/** zoom to what the domain holds: allocations and mappings, with a margin */
async function fit() {
  const d = domainInfo();
  const end = d?.aperture ? Number(BigInt(d.aperture[1]) >> 12n) : 2 ** 36 - 1;
  S.maxPage = Math.min(2 ** 52 - 1, Math.max(2 ** 20 - 1, end));
  const w = await api('iova', { run: S.run, seq: S.seq, domain: S.domain, lo: 0, hi: S.maxPage, limit: 5000, cols: 1000 });
  let lo = Infinity, hi = -Infinity;
  for (const r of w.ranges) if (r.kind !== 'reserved') { lo = Math.min(lo, r.lo); hi = Math.max(hi, r.hi); }
  for (const m of w.maps) { lo = Math.min(lo, m.lo); hi = Math.max(hi, m.hi); }
  w.cols.alloc.forEach((f, i) => { if (f > 0 && w.rangesTotal > w.ranges.length) { const p = (i / w.cols.alloc.length) * (S.maxPage + 1); lo = Math.min(lo, p); hi = Math.max(hi, p + (S.maxPage + 1) / w.cols.alloc.length); } });
  if (!Number.isFinite(lo)) iova.setWindow(0, S.maxPage, true);
  else { const pad = Math.max(8, Math.round((hi - lo + 1) * 0.05)); iova.setWindow(Math.floor(lo - pad), Math.ceil(hi + pad), true); }
  await refreshIova();
}

async function setDomain(d) {
  S.domain = d;
  $('domain').value = d;
  document.body.dataset.busy = '1';
  location.replace(`#run=${S.run}&seq=${S.seq}&domain=${d}`);
  await Promise.all([fit(), tree.show(S.run, S.seq, d)]);
  document.body.dataset.domain = d;
  if (!inflight) document.body.dataset.busy = '0';
}

async function history(space, addr, domain) {
  S.history = { space, addr, domain };
  const h = await api('history', { run: S.run, seq: S.seq, space, addr, ...(space === 'iova' ? { domain } : {}) });
  showHistory($('history'), $('history-of'), h, S.seq, (s) => seek(s));
}

function bind() {
  $('home').onclick = () => seek(-1);
  $('end').onclick = () => seek(S.info.runs[S.run].lastSeq);
  $('prev').onclick = () => seek(S.seq - 1);
  $('next').onclick = () => seek(S.seq + 1);
  $('seq-input').onchange = (e) => seek(Number(e.target.value));
  $('seq-input').onkeydown = (e) => { if (e.key === 'Enter') seek(Number(e.target.value)); };
  $('ts-input').onkeydown = (e) => { if (e.key === 'Enter') $('ts-go').click(); };
  $('ts-go').onclick = async () => {
    // trace time as ns, or with a unit: 3.2s, 150ms, 40us
    const m = /^(\d+(?:\.\d+)?)\s*(s|ms|us|ns)?$/.exec($('ts-input').value.trim());
    if (!m) return status(`time: expected nanoseconds or a number with s / ms / us / ns, got "${$('ts-input').value}"`);
    const ns = Math.round(Number(m[1]) * { s: 1e9, ms: 1e6, us: 1e3, ns: 1 }[m[2] ?? 'ns']);
    try {
      const r = await api('seek', { run: S.run, ts: ns });
      await seek(r.seq);
      // the trace clock went back somewhere: say which stretch answered
      if (r.note) status(r.note);
    } catch (err) { status(err.message); }
  };
  $('domain').onchange = (e) => setDomain(Number(e.target.value));
  $('z-all').onclick = () => iova.setWindow(0, S.maxPage);
  $('z-fit').onclick = () => fit();
  $('z-in').onclick = () => { const s = iova.hi - iova.lo + 1; iova.setWindow(iova.lo + Math.floor(s / 4), iova.lo + Math.floor(s / 4) + Math.floor(s / 2) - 1); };
  $('z-out').onclick = () => { const s = iova.hi - iova.lo + 1; iova.setWindow(iova.lo - s, iova.hi + s); };
  $('xlate-go').onclick = async () => {
    try {
      const r = await api('translate', { run: S.run, seq: S.seq, domain: S.domain, iova: $('xlate-iova').value.trim() });
      $('xlate-out').textContent = r.phys === null ? `${r.iova}: not mapped` : `${r.iova} → ${r.phys}`;
    } catch (err) { $('xlate-out').textContent = err.message; }
  };
  window.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const last = S.info.runs[S.run].lastSeq;
    if (e.key === 'ArrowLeft') seek(S.seq - 1);
    else if (e.key === 'ArrowRight') seek(S.seq + 1);
    else if (e.key === 'Home') seek(-1);
    else if (e.key === 'End') seek(last);
    else return;
    e.preventDefault();
  });
  for (const b of document.querySelectorAll('#tabs button')) b.onclick = () => tab(b.dataset.tab);
}

function tab(name) {
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('on', b.dataset.tab === name);
  $('explore').hidden = name !== 'explore';
  $('controls').hidden = name !== 'explore';
  $('timeline-box').hidden = name !== 'explore';
  $('diff').hidden = name !== 'diff';
  if (name === 'diff' && !$('diff').dataset.loaded) { $('diff').dataset.loaded = '1'; showDiff(openRun).then(() => { document.body.dataset.diff = 'ready'; }, (err) => status(err.message)); }
}

async function openRun(run, seq, domain) {
  tab('explore');
  await switchRun(run);
  if (domain !== null) S.domain = domain;
  await seek(seq);
}

async function switchRun(run) {
  if (run === S.run && S.loaded) return;
  S.run = run;
  S.loaded = true;
  $('run').value = run;
  S.domain = null;
  S.history = null;
  const r = S.info.runs[run];
  $('input').textContent = `${r.input} · ${r.events} events${r.profile ? ' · ' + r.profile : ''}${S.info.runs.length > 1 ? ` · run ${run === 0 ? 'A' : 'B'}` : ''}`;
  await Promise.all([
    timeline.load(run, r.lastSeq),
    api('stats', { run }).then((s) => charts.show(s)),
    loadFindings($('findings'), $('findings-count'), run, async (f) => {
      if (f.domain !== null) S.domain = f.domain;
      await seek(f.seq);
      if (f.address !== null && f.addressSpace !== 'pasid') await history(f.addressSpace ?? (f.domain !== null ? 'iova' : 'phys'), f.address, f.domain);
    }),
  ]);
}

async function main() {
  S.info = await api('info');
  $('redacted').hidden = !S.info.redacted;
  $('tab-diff').hidden = S.info.runs.length < 2;
  for (const p of S.info.runs.flatMap((r) => r.problems).concat(S.info.notes)) status(p);
  bind();
  if (S.info.runs.length > 1) {
    const sel = $('run');
    sel.hidden = false;
    sel.replaceChildren(...S.info.runs.map((r, i) => el('option', { value: i, text: `run ${i === 0 ? 'A' : 'B'}: ${r.input}` })));
    sel.onchange = async () => { await switchRun(Number(sel.value)); await seek(S.info.runs[S.run].lastSeq); };
  }
  const legend = [['allocated', 'allocated'], ['cached', 'in rcache'], ['reserved', 'reserved'], ['map', 'mapped'], ['gap', 'free'], ['doorbell', 'doorbell'], ['region', 'reserved region']];
  $('iova-legend').replaceChildren(...legend.map(([k, t]) => el('span', {}, el('i', { style: `background:${KIND_COLORS[k]};border:1px solid #ccc` }), t)));
  const h = new URLSearchParams(location.hash.slice(1));
  const run = Math.min(S.info.runs.length - 1, Number(h.get('run') ?? 0) || 0);
  await switchRun(run);
  if (h.has('domain')) S.domain = Number(h.get('domain'));
  await seek(h.has('seq') ? Number(h.get('seq')) : S.info.runs[run].lastSeq);
  document.body.dataset.ready = '1';
}

main().catch((err) => status(err.message));
