// A device that uses MSIs through a translated doorbell (arm64 SMMU + GIC ITS: the MSI write is
// DMA and goes through the device's domain) moved to a domain where its doorbell is not mapped.
// dma-iommu maps it again only when the vectors are set up again (iommu_dma_prepare_msi); if
// that never happens, every MSI faults. Reported when the device moves on, or at the end.
import { type IommuEvent } from '../../domain-events/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { type ShadowState } from '../shadow.js';
import { hexb } from './live.js';

const TRANSLATING = new Set(['DMA', 'DMA_FQ', 'UNMANAGED', 'NESTED']);

interface Pending {
  readonly at: IommuEvent;
  readonly domain: number;
  readonly doorbell: bigint;
  readonly doorbellSeq: number;
}

interface Saved {
  readonly doorbells: readonly (readonly [string, bigint, number])[];
  readonly pending: readonly (readonly [string, Pending])[];
}

function hasDoorbell(s: ShadowState, domain: number, doorbell: bigint): boolean {
  return s.cookies.byDomain[domain]?.msiPages.some((p) => p.doorbell === doorbell) ?? false;
}

export const msiNoDoorbell: Check = defineCheck({
  id: 'iommu/msi-no-doorbell',
  version: 1,
  severity: 'warning',
  description: 'device with translated MSIs attached to a domain where its doorbell is never mapped',
  needs: ['arch'],
  on: ['MsiPageGot', 'DeviceAttached'],
  create: () => {
    /** device -> its doorbell (the last one mapped for it) */
    const doorbells = new Map<string, { doorbell: bigint; seq: number }>();
    const pending = new Map<string, Pending>();
    const report = (dev: string, p: Pending, emit: (r: { message: string; related: number[]; domain: number; address: bigint; addressSpace: 'phys'; at: IommuEvent }) => void): void =>
      emit({
        message: `${dev}: attached to domain ${p.domain} but its MSI doorbell ${hexb(p.doorbell)} is not mapped there (no iommu_dma_get_msi_page): its MSI writes fault`,
        related: [p.doorbellSeq],
        domain: p.domain,
        address: p.doorbell,
        addressSpace: 'phys',
        at: p.at,
      });
    return {
      inspect(e, s, emit) {
        if (e.type === 'MsiPageGot') {
          for (const [dev, p] of pending) if (p.domain === e.domain && p.doorbell === e.doorbell && (e.device === null || e.device === dev)) pending.delete(dev);
          if (e.device !== null) doorbells.set(e.device, { doorbell: e.doorbell, seq: e.seq });
          return;
        }
        if (e.type !== 'DeviceAttached' || e.errno !== null) return;
        const old = pending.get(e.device);
        if (old !== undefined) {
          pending.delete(e.device);
          report(e.device, old, emit);
        }
        const db = doorbells.get(e.device);
        const type = s.topology.domains[e.domain]?.type;
        if (db === undefined || type === undefined || !TRANSLATING.has(type) || hasDoorbell(s, e.domain, db.doorbell)) return;
        pending.set(e.device, { at: e, domain: e.domain, doorbell: db.doorbell, doorbellSeq: db.seq });
      },
      complete(_s, emit) {
        for (const [dev, p] of pending) report(dev, p, emit);
      },
      // which doorbell a device last got is history the state does not keep (a doorbell page is
      // shared by the devices that signal it and outlives none of them): saved, a few per device
      save(): Saved {
        return { doorbells: [...doorbells].map(([dev, d]) => [dev, d.doorbell, d.seq]), pending: [...pending].map(([dev, p]) => [dev, p]) };
      },
      restore(_s, saved) {
        doorbells.clear();
        pending.clear();
        const v = saved as Saved | undefined;
        for (const [dev, doorbell, seq] of v?.doorbells ?? []) doorbells.set(dev, { doorbell, seq });
        for (const [dev, p] of v?.pending ?? []) pending.set(dev, p);
      },
    };
  },
});
