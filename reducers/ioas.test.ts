import { describe, expect, it } from 'vitest';
import { IoasAllocated, IoasAreaMapped, IoasAreaUnmapped, type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState } from './root.js';

const U64_MAX = (1n << 64n) - 1n;
const meta = { cmd: 'test' };

function stamp(events: IommuEvent[]): IommuEvent[] {
  return events.map((e, seq) => ({ ...e, seq }) as IommuEvent);
}

describe('ioas reducer', () => {
  it('IOMMU_IOAS_UNMAP with iova 0 and length U64_MAX removes every area, one ending at U64_MAX too (iommufd/ioas.c 6.12 iommufd_ioas_unmap → iopt_unmap_all)', () => {
    const s = evolveBatch(
      initialState(),
      stamp([
        IoasAllocated.make({ ioas: 1 }, meta),
        IoasAreaMapped.make({ ioas: 1, iova: 0x1000n, length: 0x1000n, auto: false, errno: null }, meta),
        IoasAreaMapped.make({ ioas: 1, iova: U64_MAX - 0xfffn, length: 0x1000n, auto: false, errno: null }, meta),
        IoasAreaUnmapped.make({ ioas: 1, iova: 0n, length: U64_MAX, unmapped: 0x2000n, areas: 2, errno: null }, meta),
      ]),
    );
    expect(s.ioas.spaces[1].areas).toEqual([]);
  });
});
