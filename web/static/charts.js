// Statistics over the run (mapped bytes, IOVA held by the allocators, rcache fill) as uPlot
// charts, with the current event as a vertical line.
import uPlot from '/vendor/uPlot.esm.js';
import { bytes } from './fmt.js';

export class Charts {
  constructor(box, onSeek) {
    this.box = box;
    this.onSeek = onSeek;
    this.plots = [];
    this.cursor = -1;
  }

  show(stats) {
    this.box.replaceChildren();
    this.plots = [];
    const xs = stats.seq;
    const defs = [
      ['mapped bytes', stats.mappedBytes.map((v) => v), '#2f9e44'],
      ['IOVA held by allocators', stats.iovaPages.map((v) => v * 4096), '#1c7ed6'],
      ['rcache fill', stats.rcachePages.map((v) => v * 4096), '#9c36b5'],
    ];
    const self = this;
    for (const [label, ys, color] of defs) {
      if (ys.every((v) => v === 0)) {
        // a trace without allocator events has nothing to draw here: say so instead of a flat line
        const note = document.createElement('div');
        note.className = 'muted';
        note.textContent = `${label}: zero throughout this journal`;
        this.box.append(note);
        continue;
      }
      const div = document.createElement('div');
      div.className = 'chart';
      this.box.append(div);
      const plot = new uPlot({
        width: Math.max(300, this.box.clientWidth - 10),
        height: 120,
        title: label,
        scales: { x: { time: false } },
        legend: { show: false },
        axes: [{ label: 'event', size: 30 }, { values: (_, ticks) => ticks.map((t) => bytes(t)), size: 70 }],
        series: [{}, { label, stroke: color, fill: color + '22', width: 1.5 }],
        hooks: {
          draw: [(u) => {
            if (self.cursor < 0) return;
            const x = u.valToPos(self.cursor, 'x', true);
            const c = u.ctx;
            c.save();
            c.strokeStyle = '#e8590c';
            c.lineWidth = 2;
            c.beginPath();
            c.moveTo(x, u.bbox.top);
            c.lineTo(x, u.bbox.top + u.bbox.height);
            c.stroke();
            c.restore();
          }],
        },
      }, [xs, ys], div);
      plot.over.addEventListener('click', (ev) => {
        const seq = Math.round(plot.posToVal(ev.offsetX, 'x'));
        if (Number.isFinite(seq)) this.onSeek(Math.max(0, seq));
      });
      this.plots.push(plot);
    }
  }

  setCursor(seq) {
    this.cursor = seq;
    for (const p of this.plots) p.redraw(false);
  }
}
