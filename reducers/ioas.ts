// iommufd IO address spaces and their areas (io_pagetable.c struct io_pagetable, iopt_area).
// Few and small (user-space maps): an immer slice.
import { immerSlice } from './slice.js';

const U64_MAX = (1n << 64n) - 1n;

export interface IoasArea {
  readonly iova: bigint;
  /** last byte, inclusive, as iommufd's interval tree keeps it */
  readonly last: bigint;
  readonly seq: number;
}

export interface IoasSpace {
  readonly id: number;
  /** ordered by iova */
  readonly areas: readonly IoasArea[];
}

export interface IoasState {
  readonly spaces: Readonly<Record<number, IoasSpace>>;
}

export const ioasSlice = immerSlice<IoasState>({
  name: 'ioas',
  initial: { spaces: {} },
  on: {
    IoasAllocated(d, e) {
      d.spaces[e.ioas] = { id: e.ioas, areas: [] };
    },
    IoasAreaMapped(d, e) {
      const s = d.spaces[e.ioas];
      if (!s || e.errno !== null) return;
      s.areas.push({ iova: e.iova, last: e.iova + e.length - 1n, seq: e.seq });
      s.areas.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
    },
    IoasAreaUnmapped(d, e) {
      const s = d.spaces[e.ioas];
      if (!s || e.errno !== null) return;
      // iommufd/ioas.c (6.12) iommufd_ioas_unmap: iova 0 with length U64_MAX is iopt_unmap_all, up
      // to and including U64_MAX (iova + length - 1 would stop one byte short)
      const last = e.iova === 0n && e.length === U64_MAX ? U64_MAX : e.iova + e.length - 1n;
      s.areas = s.areas.filter((a) => a.iova < e.iova || a.last > last);
    },
  },
  snapshot: (s) => s,
  restore: (data) => data as IoasState,
  hash(s, h) {
    for (const id of Object.keys(s.spaces).map(Number).sort((a, b) => a - b)) {
      h.add('ioas', id);
      for (const a of s.spaces[id].areas) h.add('area', a.iova, a.last, a.seq);
    }
  },
});
