// The architecture, from what only one of them does. Each clue is decisive on its own; clues
// for both leave it unknown (and say so).
//  - x86, VT-d: the ISA-bridge identity map of [0, 16 MiB) (intel/iommu.c (6.1, 6.12)
//    intel_iommu_get_resv_regions, CONFIG_INTEL_IOMMU_FLOPPY_WA: a direct-relaxable region the
//    core identity-maps before the first attach), and intel_iommu:* events (qi_submit, …).
//  - arm64: an MSI doorbell page. With an SMMU and a GIC ITS (or GICv2m), MSI writes are DMA
//    and go through the device's domain: dma-iommu.c iommu_dma_get_msi_page maps the doorbell
//    page into every domain whose device has MSIs, each the first IOVA of its domain, so one
//    physical page is mapped at one IOVA in two domains at once and stays mapped. x86 never maps
//    a doorbell (its interrupt window 0xfee00000 is an IOMMU_RESV_MSI region, never mapped).
//  - arm64: a device-tree platform device name ("9050000.smmuv3": drivers/of/platform.c
//    of_device_make_bus_id prints the unit address in hex, a dot, the node name).
import { type Located } from '../records.js';
import { type Arch } from './types.js';

export interface ArchClue {
  readonly arch: Arch;
  /** one line for a person, with the trace line that shows it */
  readonly why: string;
  readonly line: number;
}

const ISA_END = 1n << 24n;
const DT_NAME = /^[0-9a-f]+\.[A-Za-z][\w.-]*$/;
const INTEL_EVENTS = new Set(['qi_submit', 'prq_report', 'cache_tag_assign', 'cache_tag_unassign', 'cache_tag_flush_all', 'cache_tag_flush_range', 'cache_tag_flush_range_np']);
/** largest single-page mapping a doorbell can be (a 64 KiB granule) */
const DOORBELL_MAX = 0x10000n;

const hex = (v: bigint) => '0x' + v.toString(16);

export class ArchEvidence {
  private readonly clues = new Map<Arch, ArchClue>();
  /** single-page mappings live at an IOVA: iova -> paddr -> [count, line of the first] */
  private readonly small = new Map<bigint, Map<bigint, [number, number]>>();
  /** pages mapped at one IOVA twice at once: iova/paddr -> line of the second */
  private readonly doorbells = new Map<string, { iova: bigint; paddr: bigint; line: number }>();

  push(r: Located): void {
    switch (r.kind) {
      case 'map':
        if (r.iova === 0n && r.paddr === 0n && r.size === ISA_END) this.clue('x86_64', `the VT-d ISA-bridge identity map of [0, 16 MiB) at line ${r.at.line}`, r.at.line);
        else if (r.size <= DOORBELL_MAX && r.iova !== r.paddr) this.smallMap(r);
        return;
      case 'unmap':
        this.small.delete(r.iova);
        for (const [k, d] of this.doorbells) if (d.iova >= r.iova && d.iova < r.iova + r.size) this.doorbells.delete(k);
        return;
      case 'group-add':
      case 'attach':
      case 'dma':
      case 'fault':
        if (DT_NAME.test(r.device)) this.clue('arm64', `the device-tree platform device ${r.device} at line ${r.at.line}`, r.at.line);
        return;
      case 'raw':
        if (INTEL_EVENTS.has(r.name)) this.clue('x86_64', `an intel_iommu:${r.name} event at line ${r.at.line}`, r.at.line);
        return;
      default:
        return;
    }
  }

  private smallMap(r: Extract<Located, { kind: 'map' }>): void {
    let at = this.small.get(r.iova);
    if (at === undefined) this.small.set(r.iova, (at = new Map()));
    const seen = at.get(r.paddr);
    if (seen === undefined) {
      at.set(r.paddr, [1, r.at.line]);
      return;
    }
    seen[0]++;
    const key = `${r.iova}/${r.paddr}`;
    if (!this.doorbells.has(key)) this.doorbells.set(key, { iova: r.iova, paddr: r.paddr, line: r.at.line });
  }

  private clue(arch: Arch, why: string, line: number): void {
    if (!this.clues.has(arch)) this.clues.set(arch, { arch, why, line });
  }

  /** a doorbell counts once the scan is over and it is still mapped in both domains */
  private doorbellClue(): ArchClue | undefined {
    let first: { iova: bigint; paddr: bigint; line: number } | undefined;
    for (const d of this.doorbells.values()) if (first === undefined || d.line < first.line) first = d;
    if (first === undefined) return undefined;
    return { arch: 'arm64', why: `the MSI doorbell page ${hex(first.paddr)} mapped at IOVA ${hex(first.iova)} in two domains at once (line ${first.line}) and kept mapped`, line: first.line };
  }

  /** true once a clue is in (doorbells wait for the end of the scan) */
  get settled(): boolean {
    return this.clues.size > 0;
  }

  /** the pages taken for MSI doorbells (the importer marks their maps as doorbells) */
  doorbellPages(): bigint[] {
    return [...new Set([...this.doorbells.values()].map((d) => d.paddr))];
  }

  verdict(): { arch: Arch | null; clue: ArchClue | null; conflict: string | null } {
    const all = [...this.clues.values()];
    const db = this.doorbellClue();
    if (db && !this.clues.has('arm64')) all.push(db);
    const arches = new Set(all.map((c) => c.arch));
    if (arches.size === 1) return { arch: all[0].arch, clue: all[0], conflict: null };
    if (arches.size === 0) return { arch: null, clue: null, conflict: null };
    return { arch: null, clue: null, conflict: all.map((c) => `${c.arch === 'x86_64' ? 'x86' : 'arm64'}: ${c.why}`).join('; ') };
  }
}
