// Formatting shared by the panels. Addresses arrive as "0x…" strings (exact 64-bit) or as
// 4 KiB page numbers (exact below 2^53).
export const hexPage = (page) => '0x' + (BigInt(Math.floor(page)) << 12n).toString(16);
export const hex = (v) => (v === null || v === undefined ? '-' : typeof v === 'string' ? v : '0x' + v.toString(16));
export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let x = Number(n);
  while (Math.abs(x) >= 1024 && u < units.length - 1) { x /= 1024; u++; }
  return `${Number.isInteger(x) ? x : x.toFixed(1)} ${units[u]}`;
}
export const pagesBytes = (pages) => bytes(pages * 4096);
export function prot(p) {
  if (p === null || p === undefined) return '-';
  const f = [[1, 'R'], [2, 'W'], [4, 'C'], [8, 'NX'], [16, 'MMIO'], [32, 'PRIV']].filter(([b]) => p & b).map(([, n]) => n);
  return f.join(' ') || '0';
}
export const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};
/** one line for an event in lists */
export function eventLine(e) {
  const parts = [`#${e.seq}`, e.type];
  for (const k of ['device', 'domain', 'iova', 'paddr', 'size', 'pfnLo', 'pfnHi', 'call', 'dmaAddr', 'doorbell', 'errno', 'text']) {
    if (e[k] !== undefined && e[k] !== null) parts.push(`${k}=${e[k]}`);
  }
  if (e.line !== null && e.line !== undefined) parts.push(`L${e.line}`);
  return parts.join(' ');
}
export function table(rows, header) {
  const t = el('table', { class: 't' });
  if (header) t.append(el('tr', {}, ...header.map((h) => el('th', { text: h }))));
  for (const r of rows) t.append(el('tr', {}, ...r.map((c) => el('td', { text: String(c) }))));
  return t;
}
