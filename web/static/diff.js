// The diff view: two runs side by side around their first divergence, the diverging events
// highlighted, the IOVA pictures of both at that point on one shared axis, and the totals;
// both runs step together from there.
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
  const sides = [['a', 0, d.a, fd?.seqA ?? null], ['b', 1, d.b, fd?.seqB ?? null]];
  const last = [r.a.events - 1, r.b.events - 1];
  // both pictures on one axis: the union of what either side holds at the divergence
  const whole = async (run, side) => (side.domain === null ? null : api('iova', { run, seq: side.seq, domain: side.domain, lo: 0, hi: 2 ** 36 - 1, limit: 5000, cols: 800 }));
  const wins = [await whole(0, d.a), await whole(1, d.b)];
  let lo = Infinity, hi = -Infinity;
  for (const w of wins) if (w) { const [a, b] = extent(w); lo = Math.min(lo, a); hi = Math.max(hi, b); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 2 ** 36 - 1; }
  const pad = Math.max(16, Math.round((hi - lo + 1) * 0.05));
  lo = Math.max(0, lo - pad); hi = hi + pad;
  const views = sides.map(([k]) => {
    const v = new IovaView(document.getElementById(`diff-${k}-iova`), { interactive: false, compact: true, maxPage: () => 2 ** 52 - 1, onWindow: () => {} });
    v.lo = lo; v.hi = hi;
    return v;
  });
  // the two runs step together: the same offset from their diverging events
  let offset = 0;
  const render = async () => {
    const seqs = sides.map(([, , side], i) => Math.max(0, Math.min(last[i], side.seq + offset)));
    // the same number of rows above the current event on both sides keeps them aligned
    const before = Math.min(8, ...seqs);
    await Promise.all(sides.map(async ([k, run, side, div], i) => {
      const seq = seqs[i];
      document.getElementById(`diff-${k}-title`).textContent = `${k.toUpperCase()}: event #${seq}${side.domain !== null ? ', domain ' + side.domain : ''}`;
      const { events } = await api('events', { run, from: seq - before, count: 17 });
      document.getElementById(`diff-${k}-events`).replaceChildren(...events.map((e) => el('div', {
        class: `row${e.seq === div ? ' diverge' : ''}${e.seq === seq ? ' cur' : ''}`, 'data-seq': e.seq, text: eventLine(e), onclick: () => onOpen(run, e.seq, side.domain),
      })));
      if (side.domain !== null) views[i].render(await api('iova', { run, seq, domain: side.domain, lo, hi, limit: 2000, cols: 800 }));
    }));
    document.getElementById('diff-offset').textContent = offset === 0 ? 'at the first divergence' : `${offset > 0 ? '+' : ''}${offset} events from it`;
  };
  const step = (n) => { offset += n; render(); };
  document.getElementById('diff-step').replaceChildren(
    el('button', { text: '◀ both', onclick: () => step(-1) }),
    el('button', { text: 'both ▶', onclick: () => step(1) }),
    el('button', { text: 'back to the divergence', onclick: () => { offset = 0; render(); } }),
    el('span', { id: 'diff-offset', class: 'muted' }),
  );
  await render();
  document.getElementById('diff-deltas').replaceChildren(table(Object.entries(r.deltas).map(([name, x]) => [name, x.a, x.b, x.delta]), ['total', 'A', 'B', 'Δ']));
}
