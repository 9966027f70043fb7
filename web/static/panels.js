// Side panels at the current point: the event, its neighbours, devices / groups / domains,
// doorbells and PASIDs.
import { api } from './api.js';
import { bytes, el, eventLine, hex, hexPage, table } from './fmt.js';

export function showEvent(pre, ev) {
  pre.textContent = ev ? JSON.stringify(ev, null, 1) : '(before the first event)';
}

/** buttons for the history of each address the event names */
export function showEventAddrs(box, ev, domain, onHistory) {
  const out = [];
  if (ev) {
    for (const k of ['iova', 'dmaAddr']) if (typeof ev[k] === 'string') out.push(['iova', k, ev[k], typeof ev.domain === 'number' ? ev.domain : domain]);
    for (const k of ['paddr', 'phys', 'doorbell']) if (typeof ev[k] === 'string') out.push(['phys', k, ev[k], null]);
  }
  box.replaceChildren(...out.map(([space, k, addr, d]) => el('button', { 'data-space': space, text: `history of ${k} ${addr}`, onclick: () => onHistory(space, addr, d) })));
}

export async function showNear(box, run, seq, onSeek) {
  const from = Math.max(0, seq - 6);
  const { events } = await api('events', { run, from, count: 13 });
  box.replaceChildren(...events.map((e) => el('div', { class: `row${e.seq === seq ? ' cur' : ''}`, 'data-seq': e.seq, text: eventLine(e), onclick: () => onSeek(e.seq) })));
}

export function showTopology(box, st, onDomain) {
  const doms = table(st.domains.map((d) => [d.domain, d.type, d.fmt ?? '-', d.devices.join(' ') || '-', bytes(Number(BigInt(d.mappedBytes))), d.maps, d.unmaps, d.iovaNodes, d.freed ? 'freed' : '']),
    ['domain', 'type', 'fmt', 'devices', 'mapped', 'maps', 'unmaps', 'iova nodes', '']);
  [...doms.querySelectorAll('tr')].slice(1).forEach((tr, i) => { tr.style.cursor = 'pointer'; tr.addEventListener('click', () => onDomain(st.domains[i].domain)); });
  box.replaceChildren(
    el('div', { class: 'muted', text: `${st.devices.length} devices, ${st.groups.length} groups, ${st.domains.length} domains` }),
    table(st.devices.map((d) => [d.device, d.group ?? '-', d.domain ?? '-', d.dmaLive, bytes(Number(BigInt(d.dmaLiveBytes))), d.dmaMaps, d.dmaUnmaps]), ['device', 'group', 'domain', 'dma live', 'bytes', 'maps', 'unmaps']),
    table(st.groups.map((g) => [g.id, g.devices.join(' ')]), ['group', 'devices']),
    doms,
  );
}

export function showDoorbells(box, st) {
  const rows = [];
  for (const c of st.doorbells) for (const d of c.doorbells) rows.push([c.domain, c.cookie, hex(d.doorbell), hex(d.iova), d.refcount, d.devices.join(' '), `#${d.seq}`]);
  box.replaceChildren(rows.length ? table(rows, ['domain', 'cookie', 'doorbell', 'iova', 'refs', 'devices', 'got']) : el('div', { class: 'muted', text: 'no MSI doorbell pages mapped' }));
}

export function showPasids(box, st) {
  const p = st.pasids;
  const parts = [el('div', { class: 'muted', text: `allocator ${p.allocator} · ${p.ioasids.length} IOASIDs · ${p.pasids.length} PASIDs · ${p.binds.length} SVA binds · ${p.failures} failures` })];
  if (p.ioasids.length) parts.push(table(p.ioasids.map((x) => [x.id, x.set ?? '-', x.private ?? '-', x.stale ? 'stale' : '', `#${x.seq}`]), ['ioasid', 'set', 'private', '', 'seq']));
  if (p.pasids.length) parts.push(table(p.pasids.map((x) => [x.pasid, x.device, `#${x.seq}`]), ['pasid', 'device', 'seq']));
  if (p.binds.length) parts.push(table(p.binds.map((x) => [x.device, x.mm, x.pasid, `#${x.seq}`]), ['device', 'mm', 'pasid', 'seq']));
  box.replaceChildren(...parts);
}

/** history list: every event that touched one page, the current one highlighted */
export function showHistory(box, label, h, seq, onSeek) {
  label.textContent = `${h.space} ${h.addr}${h.domain !== null ? ' in domain ' + h.domain : ''}: ${h.total} events${h.total > h.events.length ? ` (${h.events.length} around the current one)` : ''}`;
  const line = (r) => `#${r.seq} ${r.type}${r.domain !== null ? ' domain=' + r.domain : ''} ${r.space} ${hexPage(r.lo)}${r.hi > r.lo ? ' +' + (r.hi - r.lo + 1) + ' pages' : ''}${r.line !== null ? ' L' + r.line : ''}`;
  box.replaceChildren(...h.events.map((r) => el('div', { class: `row${r.seq === seq ? ' cur' : ''}`, 'data-seq': r.seq, text: line(r), onclick: () => onSeek(r.seq) })));
  if (!h.events.length) box.replaceChildren(el('div', { class: 'muted', text: 'no event touched this page' }));
  const cur = box.querySelector('.row.cur');
  // scroll the list only, never the page
  if (cur) box.scrollTop = cur.offsetTop - box.offsetTop - box.clientHeight / 2;
}
