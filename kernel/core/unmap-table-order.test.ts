// An unmap that empties a whole last-level table: the table goes with the unmap, so the unmap's
// own event must come first, or a replay sees its pages gone before the unmap that removed them.
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { runChecks } from '../../checks/index.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';

const NVME = '0000:00:05.0';

function stamp(events: IommuEvent[]): IommuEvent[] {
  return events.map((e, seq) => ({ ...e, seq }) as IommuEvent);
}

describe('iommu_unmap of a range that frees a last-level table (io-pgtable-arm.c 6.12 __arm_lpae_unmap)', () => {
  it('records the Unmapped outcome before the PgtableTableFreed it caused, and no check reports a hole', () => {
    const m = new KernelModel(linux612, ARM_SMMU_V3);
    const all: IommuEvent[] = [];
    all.push(...m.run({ op: 'probe', device: NVME }, { ts: 0 }).events);
    // 2 MiB at a physical address that is not 2 MiB aligned: 512 4 KiB leaves in one table
    const r = m.run({ op: 'dma_map_page', device: NVME, phys: 0x40001000n, size: 0x200000n, dir: 'TO_DEVICE' }, { ts: 1000 });
    all.push(...r.events);
    const u = m.run({ op: 'dma_unmap_page', device: NVME, dmaAddr: r.value as bigint, size: 0x200000n, dir: 'TO_DEVICE' }, { ts: 2000 });
    all.push(...u.events);
    const types = u.events.map((e) => e.type);
    expect(types).toContain('PgtableTableFreed');
    expect(types.indexOf('Unmapped')).toBeLessThan(types.indexOf('PgtableTableFreed'));
    const findings = runChecks([stamp(all)]).findings.filter((f) => f.severity === 'error');
    expect(findings.map((f) => f.check)).toEqual([]);
  });
});
