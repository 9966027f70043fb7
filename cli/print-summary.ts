import { type StateSummary } from '../projections/index.js';
import { bytes, hex, println, table } from './output.js';
import { formatTs } from './format-event.js';

export function printSummary(s: StateSummary, title: string): void {
  println(title);
  println(`  events ${s.events} (last #${s.lastSeq} at ${formatTs(s.lastTs)})${s.phase ? `, phase "${s.phase}"` : ''}`);
  println(`  state hash ${s.hash}`);
  if (s.lostEvents.gaps) println(`  LOST EVENTS: ${s.lostEvents.gaps} gaps, ${s.lostEvents.events} events known lost: state after them is uncertain`);
  if (s.faults) println(`  page faults: ${s.faults}`);
  if (s.rawKept) println(`  lines kept uninterpreted: ${s.rawKept}`);
  if (s.devices.length) {
    println(`  devices (${s.devices.length}) in ${s.groups} groups:`);
    for (const l of table(
      s.devices.map((d) => [d.device, d.group ?? '-', d.domain ?? '-', d.dmaLive, bytes(d.dmaLiveBytes), d.dmaMaps, d.dmaUnmaps]),
      ['device', 'group', 'domain', 'dma live', 'bytes', 'dma maps', 'dma unmaps'],
    ))
      println('    ' + l);
  }
  if (s.domains.length) {
    println(`  domains (${s.domains.length}):`);
    for (const l of table(
      s.domains.map((d) => [
        d.domain,
        d.type + (d.freed ? ' (freed)' : ''),
        d.devices.join(',') || '-',
        bytes(d.mappedBytes),
        bytes(d.peakMappedBytes),
        d.maps,
        d.unmaps,
        d.iovaNodes,
        d.rcachedPfns,
        d.tablePages,
      ]),
      ['domain', 'type', 'devices', 'mapped', 'peak', 'maps', 'unmaps', 'iova nodes', 'rcached', 'pt pages'],
    ))
      println('    ' + l);
  }
  for (const d of s.doorbells)
    for (const b of d.doorbells) println(`  doorbell ${hex(b.doorbell)} -> iova ${hex(b.iova)} in domain ${d.domain} (${d.cookie} cookie)`);
  if (s.ioasids || s.pasids) println(`  ioasids ${s.ioasids}, pasids ${s.pasids}`);
}
