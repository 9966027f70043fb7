// The timeline of a whole run: event density per category as stacked bars, phase markers,
// findings as red ticks, the cursor at the current event. Click or drag to seek.
import { api } from './api.js';
import { el } from './fmt.js';

export const COLORS = { map: '#2b8a3e', unmap: '#c92a2a', iova: '#1864ab', flush: '#862e9c', dma: '#e8590c', msi: '#0b7285', topology: '#5c5f66', pasid: '#a61e4d', fail: '#000000', other: '#adb5bd' };

export class Timeline {
  constructor(canvas, legend, onSeek) {
    this.c = canvas;
    this.onSeek = onSeek;
    this.data = null;
    this.cursor = -1;
    let dragging = false;
    const seekAt = (ev) => {
      if (!this.data) return;
      const r = this.c.getBoundingClientRect();
      const f = Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
      this.onSeek(Math.round(this.data.from + f * (this.data.to - this.data.from)));
    };
    canvas.addEventListener('mousedown', (ev) => { dragging = true; seekAt(ev); });
    window.addEventListener('mousemove', (ev) => { if (dragging) seekAt(ev); });
    window.addEventListener('mouseup', () => { dragging = false; });
    window.addEventListener('resize', () => this.draw());
    // wheel zooms the seq range around the pointer, double-click shows the whole run again
    canvas.addEventListener('wheel', (ev) => {
      if (!this.data) return;
      ev.preventDefault();
      const r = this.c.getBoundingClientRect();
      const f = (ev.clientX - r.left) / r.width;
      const span = this.data.to - this.data.from + 1;
      const next = Math.max(50, Math.min(this.lastSeq + 1, Math.round(span * (ev.deltaY > 0 ? 1.5 : 1 / 1.5))));
      const at = this.data.from + f * span;
      const from = Math.max(0, Math.min(this.lastSeq + 1 - next, Math.round(at - f * next)));
      this.fetch(from, from + next - 1);
    }, { passive: false });
    canvas.addEventListener('dblclick', () => this.fetch(0, this.lastSeq));
    canvas.addEventListener('mousemove', (ev) => {
      if (!this.data) return;
      const r = this.c.getBoundingClientRect();
      const seq = Math.round(this.data.from + ((ev.clientX - r.left) / r.width) * (this.data.to - this.data.from));
      const m = this.data.markers.filter((x) => x.seq <= seq).pop();
      this.c.title = `event #${seq}${m ? ' · ' + m.text : ''} (wheel: zoom, double-click: whole run)`;
    });
    this.legend = legend;
  }

  async load(run, lastSeq) {
    this.run = run;
    this.lastSeq = Math.max(0, lastSeq);
    await this.fetch(0, this.lastSeq);
    this.legend.replaceChildren(...this.data.categories.map((c) => el('span', {}, el('i', { style: `background:${COLORS[c]}` }), c)),
      el('span', {}, el('i', { style: 'background:#f08c00' }), 'phase marker'), el('span', {}, el('i', { style: 'background:#e03131' }), 'finding'));
  }

  async fetch(from, to) {
    const token = (this.token = (this.token ?? 0) + 1);
    const w = Math.max(100, Math.floor(this.c.clientWidth / 2));
    const data = await api('timeline', { run: this.run, from, to, buckets: w });
    if (token !== this.token) return;
    this.data = data;
    this.draw();
  }


  setCursor(seq) {
    this.cursor = seq;
    this.draw();
  }

  draw() {
    const d = this.data;
    if (!d) return;
    const dpr = window.devicePixelRatio || 1;
    const W = this.c.clientWidth, H = this.c.clientHeight;
    this.c.width = W * dpr;
    this.c.height = H * dpr;
    const g = this.c.getContext('2d');
    g.scale(dpr, dpr);
    g.clearRect(0, 0, W, H);
    const span = d.to - d.from + 1;
    const x = (seq) => ((seq - d.from) / span) * W;
    const top = 14, bot = H - 4;
    let max = 1;
    for (const b of d.buckets) max = Math.max(max, b.counts.reduce((a, c) => a + c, 0));
    for (const b of d.buckets) {
      const x0 = x(b.lo), x1 = Math.max(x0 + 1, x(b.hi + 1));
      let y = bot;
      b.counts.forEach((n, ci) => {
        if (!n) return;
        // sqrt scale: a burst of maps must not flatten everything else
        const h = (Math.sqrt(n) / Math.sqrt(max)) * (bot - top) * (n / b.counts.reduce((a, c) => a + c, 0));
        g.fillStyle = COLORS[d.categories[ci]];
        g.fillRect(x0, y - h, x1 - x0, h);
        y -= h;
      });
    }
    g.fillStyle = '#f08c00';
    g.font = '10px sans-serif';
    let lastLabel = -1e9;
    for (const m of d.markers) {
      const mx = x(m.seq);
      g.fillRect(mx, 0, 1, H);
      if (mx - lastLabel > 80) { g.fillText(m.text.slice(0, 18), mx + 2, 10); lastLabel = mx; }
    }
    g.fillStyle = '#e03131';
    for (const f of d.findings) g.fillRect(x(f.seq) - 1, H - 8, 3, 8);
    if (d.from > 0 || d.to < this.lastSeq) {
      const label = `#${d.from} – #${d.to} · double-click: whole run`;
      const tw = g.measureText(label).width;
      g.fillStyle = 'rgba(255,255,255,0.9)';
      g.fillRect(W - tw - 8, 14, tw + 6, 13);
      g.fillStyle = '#333';
      g.fillText(label, W - tw - 5, 24);
    }
    if (this.cursor >= d.from && this.cursor <= d.to) {
      g.fillStyle = '#1c7ed6';
      g.fillRect(x(this.cursor) - 1, 0, 2, H);
    }
  }
}
