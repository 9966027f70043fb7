// The captured tracefs format files (events/<system>/<event>/format, copied into a capture's
// formats/): the parser reads each event's text as the kernel prints it, so a kernel whose
// print fmt differs from the one the parser was written against is reported before any line
// is misread. Formats of 6.1 and 6.12 (include/trace/events/iommu.h, dma.h); dma_map_phys /
// dma_unmap_phys are the later kernels' names with dma_map_page's layout.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PRINT_FMTS: Readonly<Record<string, string>> = {
  add_device_to_group: 'IOMMU: groupID=%d device=%s',
  remove_device_from_group: 'IOMMU: groupID=%d device=%s',
  attach_device_to_domain: 'IOMMU: device=%s',
  detach_device_from_domain: 'IOMMU: device=%s',
  map: 'IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu',
  unmap: 'IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu',
  io_page_fault: 'IOMMU:%s %s iova=0x%016llx flags=0x%04x',
  dma_map_page: '%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s',
  dma_map_phys: '%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s',
  dma_map_resource: '%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s',
  dma_unmap_page: '%s dir=%s dma_addr=%llx size=%zu attrs=%s',
  dma_unmap_phys: '%s dir=%s dma_addr=%llx size=%zu attrs=%s',
  dma_unmap_resource: '%s dir=%s dma_addr=%llx size=%zu attrs=%s',
  dma_alloc: '%s dir=%s dma_addr=%llx size=%zu virt_addr=%p flags=%s attrs=%s',
  dma_alloc_pages: '%s dir=%s dma_addr=%llx size=%zu virt_addr=%p flags=%s attrs=%s',
  dma_free: '%s dir=%s dma_addr=%llx size=%zu virt_addr=%p attrs=%s',
  dma_free_pages: '%s dir=%s dma_addr=%llx size=%zu virt_addr=%p attrs=%s',
  dma_alloc_sgt: '%s dir=%s dma_addr=%llx size=%zu phys_addrs=%s flags=%s attrs=%s',
  dma_free_sgt: '%s dir=%s dma_addr=%llx size=%zu phys_addrs=%s',
  dma_map_sg: '%s dir=%s nents=%d/%d ents=%d/%d%s dma_addrs=%s sizes=%s phys_addrs=%s attrs=%s',
  dma_unmap_sg: '%s dir=%s phys_addrs=%s attrs=%s',
  dma_sync_single_for_cpu: '%s dir=%s dma_addr=%llx size=%zu',
  dma_sync_single_for_device: '%s dir=%s dma_addr=%llx size=%zu',
  dma_sync_sg_for_cpu: '%s dir=%s dma_addrs=%s sizes=%s',
  dma_sync_sg_for_device: '%s dir=%s dma_addrs=%s sizes=%s',
};

export interface FormatMismatch {
  readonly file: string;
  readonly event: string;
  readonly found: string;
  readonly expected: string;
}

/** The quoted part of a format file's "print fmt:" line, or null. */
export function printFmtOf(text: string): string | null {
  const m = /^print fmt: "((?:[^"\\]|\\.)*)"/m.exec(text);
  return m ? m[1] : null;
}

/** Compares every captured format of an event the parser reads with the layout it expects. */
export function checkFormats(folder: string | null): { checked: number; mismatches: FormatMismatch[] } {
  const dir = folder ? join(folder, 'formats') : null;
  if (!dir || !existsSync(dir)) return { checked: 0, mismatches: [] };
  const mismatches: FormatMismatch[] = [];
  let checked = 0;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.format')) continue;
    const event = f.slice(0, -'.format'.length);
    const expected = PRINT_FMTS[event];
    if (!expected) continue;
    const found = printFmtOf(readFileSync(join(dir, f), 'utf8'));
    if (found === null) continue;
    checked++;
    if (found !== expected) mismatches.push({ file: join(dir, f), event, found, expected });
  }
  return { checked, mismatches };
}
