// The findings of the fault checks: click one to seek to its event and see the history of
// the address it is about.
import { api } from './api.js';
import { el } from './fmt.js';

export async function loadFindings(box, countLabel, run, onPick) {
  const r = await api('findings', { run });
  if (!r.available) {
    countLabel.textContent = '';
    box.replaceChildren(el('div', { class: 'muted', text: 'fault checks are not available in this build' }));
    return [];
  }
  countLabel.textContent = `${r.total}${r.total > r.findings.length ? ` (first ${r.findings.length})` : ''}`;
  if (!r.findings.length) box.replaceChildren(el('div', { class: 'muted', text: 'no findings' }));
  else box.replaceChildren(...r.findings.map((f) => el('div', {
    class: `row finding ${f.severity}`,
    'data-seq': f.seq,
    title: `${f.check} v${f.checkVersion} · confidence ${f.confidence}${f.related.length ? ' · related ' + f.related.map((x) => '#' + x.seq).join(' ') : ''}`,
    text: `#${f.seq}${f.line !== null ? ' L' + f.line : ''} ${f.severity} ${f.check}: ${f.message}`,
    onclick: () => onPick(f),
  })));
  return r.findings;
}
