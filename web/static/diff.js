// The diff view: two runs side by side around their first divergence, the diverging events
// highlighted, the IOVA pictures of both at that point on one shared axis, and the totals.
import { api } from './api.js';
import { el, eventLine, table } from './fmt.js';
import { IovaView } from './iova-view.js';

function extent(win) {
  let lo = Infinity, hi = -Infinity;
  for (const r of win.ranges) if (r.kind !== 'reserved') { lo = Math.min(lo, r.lo); hi = Math.max(hi, r.hi); }
  for (const m of win.maps) { lo = Math.min(lo, m.lo); hi = Math.max(hi, m.hi); }
  return [lo, hi];
}

export async function showDiff(onOpen) {
  const d = await api('diff');
  const sum = document.getElementById('diff-summary');
  if (!d.available) {
    sum.replaceChildren(el('div', { class: 'muted', text: 'no diff (start the UI with two inputs, in a build with diff)' }));
    return;
  }
  const r = d.report;
  const fd = r.firstDivergence;
  sum.replaceChildren(
    el('div', { text: `A: ${r.a.input} (${r.a.profile ?? 'no profile'}, ${r.a.events} events)   B: ${r.b.input} (${r.b.profile ?? 'no profile'}, ${r.b.events} events)` }),
    el('div', { text: r.related ? '' : 'the two runs share no workload steps, markers or devices' }),
    el('div', { id: 'first-divergence', class: fd ? 'diverge' : '', text: fd ? `first divergence: A #${fd.seqA ?? '-'}${fd.lineA !== null ? ' L' + fd.lineA : ''} vs B #${fd.seqB ?? '-'}${fd.lineB !== null ? ' L' + fd.lineB : ''}: ${fd.what}` : 'no divergence' }),
  );
  const sides = [['a', 0, d.a, fd?.seqA], ['b', 1, d.b, fd?.seqB]];
  for (const [k, run, side, seq] of sides) {
    document.getElementById(`diff-${k}-title`).textContent = `${k.toUpperCase()}: event #${side.seq}${side.domain !== null ? ', domain ' + side.domain : ''}`;
    document.getElementById(`diff-${k}-events`).replaceChildren(...side.events.map((e) => el('div', {
      class: `row${e.seq === seq ? ' diverge' : ''}`, 'data-seq': e.seq, text: eventLine(e), onclick: () => onOpen(run, e.seq, side.domain),
    })));
  }
  // both pictures on one axis: the union of what either side holds
  const whole = async (run, side) => (side.domain === null ? null : api('iova', { run, seq: side.seq, domain: side.domain, lo: 0, hi: 2 ** 36 - 1, limit: 5000, cols: 800 }));
  const wins = [await whole(0, d.a), await whole(1, d.b)];
  let lo = Infinity, hi = -Infinity;
  for (const w of wins) if (w) { const [a, b] = extent(w); lo = Math.min(lo, a); hi = Math.max(hi, b); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 2 ** 36 - 1; }
  const pad = Math.max(16, Math.round((hi - lo + 1) * 0.05));
  lo = Math.max(0, lo - pad); hi = hi + pad;
  for (const [k, run, side] of sides) {
    const svg = document.getElementById(`diff-${k}-iova`);
    if (side.domain === null) continue;
    const view = new IovaView(svg, { interactive: false, compact: true, maxPage: () => 2 ** 52 - 1, onWindow: () => {} });
    view.lo = lo; view.hi = hi;
    view.render(await api('iova', { run, seq: side.seq, domain: side.domain, lo, hi, limit: 2000, cols: 800 }));
  }
  document.getElementById('diff-deltas').replaceChildren(table(Object.entries(r.deltas).map(([name, x]) => [name, x.a, x.b, x.delta]), ['total', 'A', 'B', 'Δ']));
}
