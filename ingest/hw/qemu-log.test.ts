import { describe, expect, it } from 'vitest';
import { writeTemp } from '../test-support/parse-text.js';
import { readQemuLog, requesterId } from './qemu-log.js';
import { crossCheck } from './crosscheck.js';
import { DeviceAttached, Mapped } from '../../domain-events/index.js';

describe('QEMU IOMMU trace log', () => {
  it('reads VT-d fills (requester id, slpte address, superpage bit) and SMMUv3 walks (level → leaf size)', async () => {
    const f = writeTemp(
      'q.log',
      [
        '12547@1795348307.368474:vtd_iotlb_page_update IOTLB page update sid 0x20 iova 0xfffff002 slpte 0x4bfa6003 domain 0x3',
        '12547@1795348307.368475:vtd_iotlb_page_update IOTLB page update sid 0x20 iova 0x40000000 slpte 0x80000083 domain 0x3',
        '13736@1795348378.484104:smmu_ptw_page_pte stage=1 level=2 iova=0x100001000 base@=0x48053000 pte@=0x48053fe8 pte=0x48059f45 page address = 0x48200000',
        '12549@1795348307.381145:vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x3 addr 0xffffa000 mask 0x0',
        '12547@1795348307.368476:vtd_iotlb_page_update IOTLB page update sid 0x20 iova garbled',
      ].join('\n'),
    );
    const q = await readQemuLog(f);
    expect(q.invalidations).toBe(1);
    expect(q.unreadable).toBe(1);
    expect(q.fills).toMatchObject([
      { sid: 0x20, iova: 0xfffff000n, phys: 0x4bfa6000n, leafSize: 0x1000n, hwDomain: 3 },
      { sid: 0x20, iova: 0x40000000n, phys: 0x80000000n, leafSize: 0x200000n },
      { sid: null, iova: 0x100001000n, phys: 0x48200000n, leafSize: 0x200000n },
    ]);
    expect(requesterId('0000:00:1f.2')).toBe(0xfa);
  });

  it('judges a fill against the mapping history of the device’s domains', () => {
    const events = [
      DeviceAttached.make({ device: '0000:00:04.0', domain: 2, errno: null }, {}),
      Mapped.make({ domain: 2, iova: 0xfffff000n, paddr: 0x4bfa6000n, size: 0x1000n, prot: null, leaves: null, warn: 0 }, {}),
      Mapped.make({ domain: 3, iova: 0xffffe000n, paddr: 0x4bfa5000n, size: 0x1000n, prot: null, leaves: null, warn: 0 }, {}),
    ].map((e, i) => ({ ...e, seq: i }));
    const fill = (iova: bigint, phys: bigint) => ({ line: 1, sid: 0x20, iova, phys, leafSize: 0x1000n, hwDomain: 3 });
    const c = crossCheck([events], { fills: [fill(0xfffff000n, 0x4bfa6000n), fill(0xfffff000n, 0x1000n), fill(0xffffe000n, 0x4bfa5000n)], invalidations: 0, unreadable: 0 });
    expect(c).toMatchObject({ fills: 3, agree: 1, wrongPhys: 1, unmapped: 1 });
  });
});
