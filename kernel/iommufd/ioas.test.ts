// iommufd IOAS areas (drivers/iommu/iommufd/io_pagetable.c, ioas.c, 6.12.117).
import { describe, expect, it } from 'vitest';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { linux612 } from '../profiles/linux-6.12.js';

const DEV = '0000:00:0a.0';

/** Physically contiguous pinned pages for a map of `size` bytes from a page-aligned user address. */
const contiguous = (size: bigint, phys = 0x40000000n) => (size === 0n ? [] : [{ phys, length: ((size + 0xfffn) / 0x1000n) * 0x1000n }]);

function ioas() {
  const m = new KernelModel(linux612, ARM_SMMU_V3);
  const id = m.run({ op: 'ioas_alloc' }).value as number;
  const map = (size: bigint, iova?: bigint, uptr?: bigint) =>
    m.run({ op: 'ioas_map', ioas: id, size, iova, uptr, pages: contiguous(size + (uptr ?? 0n) % 0x1000n) }).value as { iova: bigint | null; errno: string | null };
  const unmap = (iova: bigint, size: bigint) => m.run({ op: 'ioas_unmap', ioas: id, iova, size }).value as { unmapped: bigint; errno: string | null };
  const attach = () => {
    m.run({ op: 'probe', device: DEV });
    m.run({ op: 'iommufd_bind', device: DEV });
    return m.run({ op: 'iommufd_attach', device: DEV, ioas: id }).value as { domain: number | null; errno: string | null };
  };
  return { m, id, map, unmap, attach };
}

describe('iommufd IOAS areas (io_pagetable.c 6.12)', () => {
  it('an IOAS without domains has no alignment (iopt_init_table: iova_alignment 1); empty maps are -EINVAL', () => {
    const { map } = ioas();
    expect(map(0n, 0x1000n).errno).toBe('EINVAL');
    expect(map(0x1800n, 0x10000n).errno).toBeNull();
    expect(map(0x1000n, 0x20800n).errno).toBeNull();
  });

  it('a domain brings its page size as the alignment of every later map (iopt_table_add_domain)', () => {
    const { map, attach } = ioas();
    expect(attach().errno).toBeNull();
    expect(map(0x1800n, 0x10000n).errno).toBe('EINVAL');
    expect(map(0x1000n, 0x20800n).errno).toBe('EINVAL');
    expect(map(0x1000n, 0x20000n).errno).toBeNull();
  });

  it('a domain cannot join an IOAS holding an area it cannot align (iopt_check_iova_alignment: -EADDRINUSE)', () => {
    const { map, attach } = ioas();
    map(0x1800n, 0x10000n);
    expect(attach()).toEqual({ domain: null, errno: 'EADDRINUSE' });
  });

  it('automatic IOVAs: never 0, the lowest hole from PAGE_SIZE aligned to the length rounded up to a power of two', () => {
    const { map } = ioas();
    expect(map(0x1000n).iova).toBe(0x1000n);
    expect(map(0x3000n).iova).toBe(0x4000n);
    expect(map(0x1000n).iova).toBe(0x2000n);
  });

  it('automatic IOVAs keep the user address alignment, at most HPAGE_SIZE', () => {
    const { map } = ioas();
    expect(map(0x4000n, undefined, 0x7f0000001000n).iova).toBe(0x1000n);
    expect(map(0x800000n, undefined, 0x7f0000000000n).iova).toBe(0x200000n);
  });

  it('automatic IOVAs go around the reserved IOVA of an attached device (its SW_MSI window, iopt_alloc_iova)', () => {
    const { map, attach } = ioas();
    attach();
    // 128 MiB at 2 MiB alignment does not fit under 0x8000000; the window ends at 0x80fffff
    expect(map(0x8000000n).iova).toBe(0x8200000n);
  });

  it('a fixed map over reserved IOVA is -EINVAL, over an area -EEXIST (iopt_check_iova)', () => {
    const { map, attach } = ioas();
    attach();
    expect(map(0x2000n, 0x80ff000n).errno).toBe('EINVAL');
    expect(map(0x2000n, 0x1000000n).errno).toBeNull();
    expect(map(0x2000n, 0x1001000n).errno).toBe('EEXIST');
    // the aperture of the arm-smmu-v3 domain ends at 2^48 - 1: the rest is reserved by the domain
    expect(map(0x1000n, 1n << 48n).errno).toBe('EINVAL');
  });

  it('a device whose reserved region is under an area cannot attach (iopt_reserve_iova: -EADDRINUSE)', () => {
    const { m, map, attach } = ioas();
    map(0x200000n, 0x8000000n);
    expect(attach()).toEqual({ domain: null, errno: 'EADDRINUSE' });
    // the new domain is freed again and the group stays blocked
    expect(m.state.topology.domains[m.state.topology.devices[DEV].domain!].owner).toBe('blocking');
    expect(Object.values(m.state.topology.domains).filter((d) => d.owner === 'iommufd' && d.freedSeq === null)).toEqual([]);
  });

  it('an unmap that reaches a cut area stops with -ENOENT; the whole areas before it in IOVA order are already gone', () => {
    const { m, id, map, unmap } = ioas();
    map(0x2000n, 0x10000n);
    map(0x2000n, 0x20000n);
    expect(unmap(0x10000n, 0x11000n)).toEqual({ unmapped: 0n, errno: 'ENOENT' });
    expect(m.state.ioas.spaces[id].areas.map((a) => a.iova)).toEqual([0x20000n]);
  });

  it('length 0 is -EINVAL, a range past 2^64 -EOVERFLOW (iopt_unmap_iova)', () => {
    const { unmap } = ioas();
    expect(unmap(0x1000n, 0n).errno).toBe('EINVAL');
    expect(unmap(0xfffffffffffff000n, 0x2000n).errno).toBe('EOVERFLOW');
  });
});
