// QEMU's trace of its emulated IOMMU (`-trace events=… -D qemu_iommu_trace.log`): the IOTLB fills
// are what the hardware actually translated, the nearest thing to ground truth a guest trace has.
//   x86 intel-iommu:  vtd_iotlb_page_update IOTLB page update sid 0x20 iova 0xffffe000 slpte 0x4bfa5003 domain 0x3
//   arm64 smmuv3:     smmu_ptw_page_pte stage=1 level=3 iova=0xffffd000 base@=… pte@=… pte=… page address = 0x48059000
// Timestamps are host time (pid@seconds:), not the guest's, so fills are matched by what they
// translate, not by when.
import { readLines } from '../lines.js';

export interface IotlbFill {
  readonly line: number;
  /** PCI requester id (bus << 8 | devfn) on VT-d; null on SMMUv3, whose walk lines carry none */
  readonly sid: number | null;
  readonly iova: bigint;
  /** output (physical) address of the page or block the walk found */
  readonly phys: bigint;
  /** bytes the leaf covers: 4 KiB, or a block at level 1/2 */
  readonly leafSize: bigint;
  /** the hardware's own domain id (VT-d DID), not the kernel model's domain number */
  readonly hwDomain: number | null;
}

export interface QemuLog {
  readonly fills: IotlbFill[];
  readonly invalidations: number;
  readonly unreadable: number;
}

const VTD = /vtd_iotlb_page_update .*?sid (0x[0-9a-f]+) iova (0x[0-9a-f]+) slpte (0x[0-9a-f]+) domain (0x[0-9a-f]+)/;
const SMMU = /smmu_ptw_page_pte stage=\d+ level=(\d+) iova=(0x[0-9a-f]+) .*page address = (0x[0-9a-f]+)/;
const INVAL = /vtd_inv_desc_iotlb|smmuv3_s1_range_inval|smmuv3_cmdq_tlbi|smmu_iotlb_inv/;

/** VT-d second-level PTE: address bits 12..51; bit 7 (PS) marks a 2 MiB/1 GiB superpage. */
const SLPTE_ADDR = ((1n << 52n) - 1n) & ~0xfffn;

/** LPAE 4 KiB granule: level 3 = 4 KiB pages, level 2 = 2 MiB blocks, level 1 = 1 GiB blocks. */
function lpaeLeafSize(level: number): bigint {
  return 1n << BigInt(12 + 9 * (3 - level));
}

export async function readQemuLog(path: string): Promise<QemuLog> {
  const fills: IotlbFill[] = [];
  let invalidations = 0;
  let unreadable = 0;
  for await (const b of readLines(path)) {
    for (let i = 0; i < b.lines.length; i++) {
      const l = b.lines[i];
      const line = b.first + i;
      let m = VTD.exec(l);
      if (m) {
        const slpte = BigInt(m[3]);
        // the fill's level is not printed; a superpage PTE has PS set, and the kernel only
        // builds 2 MiB superpages for these domains (6.1 intel-iommu pgsize_bitmap)
        const leafSize = slpte & 0x80n ? 0x200000n : 0x1000n;
        fills.push({ line, sid: Number(m[1]), iova: BigInt(m[2]) & ~0xfffn, phys: slpte & SLPTE_ADDR, leafSize, hwDomain: Number(m[4]) });
        continue;
      }
      m = SMMU.exec(l);
      if (m) {
        const level = Number(m[1]);
        const leafSize = lpaeLeafSize(level);
        fills.push({ line, sid: null, iova: BigInt(m[2]) & ~0xfffn, phys: BigInt(m[3]), leafSize, hwDomain: null });
        continue;
      }
      if (INVAL.test(l)) invalidations++;
      else if (l.includes('iotlb_page_update') || l.includes('ptw_page_pte')) unreadable++;
    }
  }
  return { fills, invalidations, unreadable };
}

/** PCI "0000:00:04.0" → requester id 0x20 (bus << 8 | dev << 3 | fn). */
export function requesterId(device: string): number | null {
  const m = /^[0-9a-f]{4}:([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(device);
  return m ? (parseInt(m[1], 16) << 8) | (parseInt(m[2], 16) << 3) | Number(m[3]) : null;
}
