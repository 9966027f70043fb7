// The page table as an expandable tree: one table per request, fetched when its entry opens.
// Open entries stay open across seeks, so stepping shows a leaf appear or vanish in place.
import { api } from './api.js';
import { bytes, el, prot } from './fmt.js';

const LEVEL_BYTES = (shift) => bytes(2 ** shift);

export class PageTableTree {
  constructor(ul, fmtLabel, onPick) {
    this.ul = ul;
    this.fmtLabel = fmtLabel;
    this.onPick = onPick;
    this.open = new Set();
    this.ctx = null;
    this.token = 0;
  }

  async show(run, seq, domain) {
    const token = ++this.token;
    if (!this.ctx || this.ctx.domain !== domain || this.ctx.run !== run) this.open.clear();
    this.ctx = { run, seq, domain };
    const top = await api('pagetable', { run, seq, domain });
    if (token !== this.token) return;
    this.fmtLabel.textContent = `${top.fmt} · levels ${top.levels.map((l) => `L${l.level} (${LEVEL_BYTES(l.shift)} per entry)`).join(', ')}`;
    const list = await this.renderTable(top, token);
    if (token !== this.token) return;
    this.ul.replaceChildren(...list);
    if (!top.entries.length) this.ul.replaceChildren(el('li', { class: 'muted', text: 'no live mappings' }));
  }

  async renderTable(t, token) {
    const lv = t.levels.find((l) => l.level === t.level);
    const items = [];
    for (const e of t.entries) {
      const key = `${t.level}:${e.iova}`;
      const li = el('li', { 'data-kind': e.kind, 'data-iova': e.iova, 'data-level': t.level, ...(e.paddr ? { 'data-paddr': e.paddr } : {}) });
      const idx = `[${e.index}]`.padEnd(6);
      if (e.kind === 'table') {
        const span = el('span', { class: 'k-table', text: `L${t.level} ${idx} ${e.iova}  table → ${bytes(e.pages * 4096)} mapped in ${e.leaves} leaves` });
        const sub = el('ul', { class: 'tree' });
        li.append(span, sub);
        const toggle = async () => {
          if (this.open.has(key)) { this.open.delete(key); sub.replaceChildren(); span.classList.remove('open'); return; }
          this.open.add(key);
          await this.expand(t, e, sub, span, this.token);
        };
        span.addEventListener('click', toggle);
        if (this.open.has(key)) await this.expand(t, e, sub, span, token);
      } else {
        li.append(el('span', { class: `k-${e.kind}`, text: `L${t.level} ${idx} ${e.iova} → ${e.paddr}  ${e.kind} ${LEVEL_BYTES(lv.shift)}  prot ${prot(e.prot)}  pte ${e.pte ?? '-'}  #${e.seq}`, onclick: () => this.onPick(e) }));
      }
      items.push(li);
    }
    return items;
  }

  async expand(t, e, sub, span, token) {
    const next = t.levels[t.levels.findIndex((l) => l.level === t.level) + 1];
    if (!next) return;
    const child = await api('pagetable', { ...this.ctx, level: next.level, iova: e.iova });
    if (token !== this.token) return;
    sub.replaceChildren(...(await this.renderTable(child, token)));
    span.classList.add('open');
  }
}
