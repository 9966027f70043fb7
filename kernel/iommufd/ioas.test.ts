import { describe, expect, it } from 'vitest';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { linux612 } from '../profiles/linux-6.12.js';

function ioas() {
  const m = new KernelModel(linux612, ARM_SMMU_V3);
  const id = m.run({ op: 'ioas_alloc' }).value as number;
  const map = (size: bigint, iova?: bigint) => m.run({ op: 'ioas_map', ioas: id, size, iova }).value as { iova: bigint | null; errno: string | null };
  const unmap = (iova: bigint, size: bigint) => m.run({ op: 'ioas_unmap', ioas: id, iova, size }).value as { unmapped: bigint; errno: string | null };
  return { m, id, map, unmap };
}

describe('iommufd IOAS areas (io_pagetable.c)', () => {
  it('unaligned or empty maps are -EINVAL', () => {
    const { map } = ioas();
    expect(map(0n, 0x1000n).errno).toBe('EINVAL');
    expect(map(0x1800n, 0x1000n).errno).toBe('EINVAL');
    expect(map(0x1000n, 0x1800n).errno).toBe('EINVAL');
  });

  it('automatic IOVAs: the lowest hole, aligned to the length rounded up to a power of two', () => {
    const { map } = ioas();
    expect(map(0x1000n).iova).toBe(0n);
    expect(map(0x3000n).iova).toBe(0x4000n);
    expect(map(0x1000n).iova).toBe(0x1000n);
  });

  it('an unmap that reaches a cut area stops with -ENOENT; the whole areas before it in IOVA order are already gone', () => {
    const { m, id, map, unmap } = ioas();
    map(0x2000n, 0x10000n);
    map(0x2000n, 0x20000n);
    expect(unmap(0x10000n, 0x11000n)).toEqual({ unmapped: 0n, errno: 'ENOENT' });
    expect(m.state.ioas.spaces[id].areas.map((a) => a.iova)).toEqual([0x20000n]);
  });
});
