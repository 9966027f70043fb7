import { describe, expect, it } from 'vitest';
import { getProfile } from '../profiles/index.js';
import { parseWorkload } from './parse.js';
import { runWorkload } from './run.js';

const HEAD = `# t — iommufd statements
platform arm-smmu-v3
probe 0000:00:0a.0
ioas a
iommufd_bind 0000:00:0a.0
iommufd_attach 0000:00:0a.0 ioas=a as=d0
`;

function run(body: string) {
  return runWorkload(parseWorkload(HEAD + body, 't.wl', 't'), getProfile('linux-6.12'));
}

describe('iommufd workload statements', () => {
  it('check_map passes on the pages ioas_map pinned, page by page through chunks, gaps and a start inside the buffer', () => {
    const r = run(`ioas_map a iova=0x100000 size=12K pa=0x40000000 chunk=8K gap=4K from=4K
check_map d0 iova=0x100000 size=12K pa=0x40000000 chunk=8K gap=4K from=4K
check_map d0 iova=0x100000 size=4K pa=0x40001000
check_map d0 iova=0x101000 size=8K pa=0x40003000
check_map d0 iova=0x103000 size=4K pa=none
`);
    expect(r.failures).toEqual([]);
    expect(r.expectations).toBe(4);
  });

  it('check_map names the first page that differs, and a page that should be unmapped', () => {
    const r = run(`ioas_map a iova=0x100000 size=8K pa=0x40000000 chunk=4K
check_map d0 iova=0x100000 size=8K pa=0x40000000
check_map d0 iova=0x100000 size=4K pa=none
`);
    expect(r.failures).toEqual([
      { line: 8, column: 36, message: 'check_map: IOVA 0x101000 translates to 0x40002000, expected 0x40001000' },
      { line: 9, column: 36, message: 'check_map: IOVA 0x100000 translates to 0x40000000, expected nothing' },
    ]);
  });

  it('a hw_pagetable named by iommufd_hwpt_alloc takes attaches and raw maps; iommufd_attach needs exactly one of ioas= and hwpt=', () => {
    const r = run(`probe 0000:00:0b.0
iommufd_bind 0000:00:0b.0
iommufd_hwpt_alloc 0000:00:0b.0 ioas=a as=h expect=ok
iommufd_attach 0000:00:0b.0 hwpt=h expect=ok
iommufd_hwpt_destroy h expect=EBUSY
map h iova=0x200000 size=4K pa=0x7000000 expect=ok
ioas_map a iova=0x200000 size=4K expect=EEXIST
`);
    expect(r.failures).toEqual([]);
    expect(() => run('iommufd_attach 0000:00:0a.0\n')).toThrow(/t\.wl:7:1: iommufd_attach needs one of ioas= and hwpt=/);
  });
});
