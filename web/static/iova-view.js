// The IOVA picture of one domain: allocator ranges on the upper band, live page-table mappings
// on the lower band, free gaps as the pale background, doorbells and reserved regions as
// marks, an address axis below. Wheel zooms around the pointer (down to 16 pages across), drag
// pans; the server sends only the window shown, and per-column coverage when it holds more
// ranges than a list should.
import { bytes, hexPage, prot } from './fmt.js';

const NS = 'http://www.w3.org/2000/svg';
export const KIND_COLORS = { allocated: '#1c7ed6', reserved: '#868e96', cached: '#9c36b5', map: '#2f9e44', gap: '#f1f8ee', doorbell: '#f76707', region: '#ced4da' };
export const MIN_PAGES = 16;

function node(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export class IovaView {
  /** opts: onWindow(lo, hi), onPick(kind, page, item), onHover(item | null, ev), maxPage */
  constructor(svg, opts) {
    this.svg = svg;
    this.opts = opts;
    this.lo = 0;
    this.hi = 2 ** 36 - 1;
    this.win = null;
    this.compact = !!opts.compact;
    if (opts.interactive === false) return;
    svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const f = this.fracAt(ev);
      const span = this.hi - this.lo + 1;
      const next = Math.min(opts.maxPage() + 1, Math.max(MIN_PAGES, Math.round(span * (ev.deltaY > 0 ? 1.6 : 1 / 1.6))));
      const at = this.lo + f * span;
      this.setWindow(Math.round(at - f * next), Math.round(at - f * next) + next - 1);
    }, { passive: false });
    let drag = null;
    svg.addEventListener('mousedown', (ev) => { drag = { x: ev.clientX, lo: this.lo, hi: this.hi, moved: false }; });
    window.addEventListener('mousemove', (ev) => {
      if (!drag) return;
      const dx = ev.clientX - drag.x;
      if (Math.abs(dx) < 3 && !drag.moved) return;
      drag.moved = true;
      const span = drag.hi - drag.lo + 1;
      const shift = Math.round((-dx / svg.clientWidth) * span);
      this.setWindow(drag.lo + shift, drag.hi + shift, true);
    });
    window.addEventListener('mouseup', (ev) => {
      if (drag && !drag.moved && ev.target instanceof Element && svg.contains(ev.target)) this.pick(ev);
      if (drag && drag.moved) this.opts.onWindow(this.lo, this.hi);
      drag = null;
    });
  }

  fracAt(ev) {
    const r = this.svg.getBoundingClientRect();
    return Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
  }

  pageAt(ev) {
    return Math.floor(this.lo + this.fracAt(ev) * (this.hi - this.lo + 1));
  }

  setWindow(lo, hi, quiet = false) {
    const max = this.opts.maxPage();
    const span = Math.min(max + 1, Math.max(MIN_PAGES, hi - lo + 1));
    lo = Math.max(0, Math.min(lo, max + 1 - span));
    this.lo = lo;
    this.hi = lo + span - 1;
    if (!quiet) this.opts.onWindow(this.lo, this.hi);
  }

  pick(ev) {
    const t = ev.target;
    const page = this.pageAt(ev);
    const item = t.__item ?? null;
    this.opts.onPick?.(t.dataset?.kind ?? 'space', page, item, ev);
  }

  render(win) {
    this.win = win;
    const svg = this.svg;
    const W = svg.clientWidth || 800;
    const H = svg.clientHeight || 150;
    const span = this.hi - this.lo + 1;
    const X = (p) => ((p - this.lo) / span) * W;
    const wOf = (lo, hi) => Math.max(1, X(hi + 1) - X(lo));
    const bandA = [14, this.compact ? 30 : 42], bandB = [bandA[0] + bandA[1] + 6, this.compact ? 30 : 42];
    svg.replaceChildren();
    svg.append(node('rect', { x: 0, y: 0, width: W, height: H, fill: '#fff' }));
    const hover = (e, item) => {
      e.__item = item;
      e.addEventListener('mousemove', (ev) => this.opts.onHover?.(item, ev));
      e.addEventListener('mouseleave', () => this.opts.onHover?.(null));
      return e;
    };
    for (const g of win.gaps) svg.append(hover(node('rect', { class: 'gap', 'data-kind': 'gap', x: X(g.lo), y: bandA[0], width: wOf(g.lo, g.hi), height: bandA[1], fill: KIND_COLORS.gap }), { kind: 'free gap', ...g }));
    for (const r of win.regions) svg.append(hover(node('rect', { class: 'region', 'data-kind': 'region', x: X(r.lo), y: 2, width: wOf(r.lo, r.hi), height: 8, fill: KIND_COLORS.region }), { kind: `region ${r.kind}`, ...r }));
    const truncated = win.rangesTotal > win.ranges.length || win.mapsTotal > win.maps.length;
    if (truncated) {
      const n = win.cols.alloc.length;
      const cw = W / n;
      win.cols.alloc.forEach((f, i) => { if (f > 0) svg.append(node('rect', { class: 'col-alloc', x: i * cw, y: bandA[0], width: Math.max(1, cw), height: bandA[1], fill: KIND_COLORS.allocated, 'fill-opacity': 0.25 + 0.75 * f })); });
      win.cols.mapped.forEach((f, i) => { if (f > 0) svg.append(node('rect', { class: 'col-map', x: i * cw, y: bandB[0], width: Math.max(1, cw), height: bandB[1], fill: KIND_COLORS.map, 'fill-opacity': 0.25 + 0.75 * f })); });
    } else {
      for (const r of win.ranges) svg.append(hover(node('rect', { class: `range ${r.kind}`, 'data-kind': r.kind, 'data-lo': r.lo, 'data-hi': r.hi, x: X(r.lo), y: bandA[0], width: wOf(r.lo, r.hi), height: bandA[1], fill: KIND_COLORS[r.kind], stroke: span < 4096 ? '#fff' : 'none' }), { kind: r.kind, ...r }));
      for (const m of win.maps) svg.append(hover(node('rect', { class: 'map', 'data-kind': 'map', 'data-lo': m.lo, 'data-hi': m.hi, 'data-paddr': m.paddr, x: X(m.lo), y: bandB[0], width: wOf(m.lo, m.hi), height: bandB[1], fill: KIND_COLORS.map, stroke: span < 4096 ? '#fff' : 'none' }), { kind: 'mapping', ...m }));
    }
    for (const d of win.doorbells) {
      const x = X(d.page) + wOf(d.page, d.page) / 2;
      svg.append(hover(node('path', { class: 'doorbell', 'data-kind': 'doorbell', 'data-page': d.page, d: `M${x} ${bandB[0] - 5} l5 5 l-5 5 l-5 -5 z`, fill: KIND_COLORS.doorbell }), { kind: 'doorbell', ...d }));
    }
    if (win.dma32Page !== null && win.dma32Page >= this.lo && win.dma32Page <= this.hi) {
      svg.append(node('line', { x1: X(win.dma32Page), x2: X(win.dma32Page), y1: 0, y2: bandB[0] + bandB[1], stroke: '#e03131', 'stroke-dasharray': '3 2' }));
    }
    const axisY = bandB[0] + bandB[1] + 4;
    svg.append(node('line', { x1: 0, x2: W, y1: axisY, y2: axisY, stroke: '#999' }));
    {
      for (let i = 0; i <= 4; i++) {
        const p = this.lo + Math.floor((i / 4) * span);
        const t = node('text', { x: Math.min(W - 4, Math.max(2, (i / 4) * W)), y: axisY + 13, 'font-size': 10, fill: '#555', 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' });
        t.textContent = hexPage(Math.min(p, this.hi + 1));
        svg.append(t);
      }
    }
    const lab = node('text', { x: 2, y: bandA[0] + 10, 'font-size': 9, fill: '#333' });
    lab.textContent = win.startPage === null ? 'allocator (no IOVA allocator events for this domain)' : 'allocator';
    const lab2 = node('text', { x: 2, y: bandB[0] + 10, 'font-size': 9, fill: '#333' });
    lab2.textContent = 'page table';
    svg.append(lab, lab2);
  }
}

/** tooltip text for an item of the picture */
export function describe(item, who) {
  const lines = [item.kind];
  if (item.lo !== undefined) lines.push(`iova ${hexPage(item.lo)} – ${hexPage(item.hi + 1)}`, `pfn  0x${item.lo.toString(16)} – 0x${item.hi.toString(16)} (4 KiB pages)`, `size ${bytes((item.hi - item.lo + 1) * 4096)}`);
  if (item.reason) lines.push(`reason ${item.reason}`);
  if (item.paddr) lines.push(`paddr ${item.paddr}`, `leaves ${item.count} × ${bytes(item.pgsize)}  prot ${prot(item.prot)}`, `mapped by #${item.seq}`);
  if (item.doorbell) lines.push(`doorbell ${item.doorbell}`, `iova ${item.iova}`, `got at #${item.seq}`);
  const by = (e) => `#${e.seq}${e.cmd ? ' ' + e.cmd : ''}${e.cpu !== null ? ' cpu' + e.cpu : ''}${e.ts !== null ? ' at ' + e.ts + ' ns' : ''}${e.task ? ' (' + e.task + ')' : ''}${e.line !== null ? ' L' + e.line : ''}`;
  if (who?.map && item.kind === 'mapping') lines.push(`last mapped by ${by(who.map)}`);
  if (who?.alloc) lines.push(`${who.alloc.type === 'IovaRangeReserved' ? 'reserved' : 'allocated'} by ${by(who.alloc)}`);
  return lines.join('\n');
}
