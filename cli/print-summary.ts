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
    for (const note of deviceNotes(s)) for (const l of wrap(note, 96)) println('    ' + l);
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

/**
 * Why the device rows read as they do: empty DMA-API columns when the trace has no dma:* events,
 * and why a domain's maps outnumber its devices' DMA-API maps.
 */
export function deviceNotes(s: StateSummary): string[] {
  if (s.devices.length === 0) return [];
  const calls = s.devices.reduce((n, d) => n + d.dmaMaps + d.dmaUnmaps, 0);
  // the reference §7.3: include/trace/events/dma.h is traced from 6.12 on
  if (calls === 0)
    return ['(the DMA-API columns are empty: this trace has no dma:* events. Linux traces dma_map_*/dma_unmap_* from 6.12 on (include/trace/events/dma.h); a 6.1 kernel has none, and on 6.12+ they must be enabled)'];
  const domainMaps = s.domains.reduce((n, d) => n + d.maps, 0);
  const dmaMaps = s.devices.reduce((n, d) => n + d.dmaMaps, 0);
  if (domainMaps <= dmaMaps) return [];
  return [
    `(domains count ${domainMaps} iommu_map calls, devices ${dmaMaps} DMA-API maps: one dma_map_sg() maps each physically contiguous run of its list with its own iommu_map (dma-iommu.c iommu_dma_map_sg -> iommu_map_sg), and the kernel's own maps (identity maps of reserved regions, MSI doorbells, VFIO) have no DMA-API call)`,
  ];
}

/** Words into lines of at most `width` characters (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}
