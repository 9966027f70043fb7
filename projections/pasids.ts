// The PASID view: live IOASIDs / global PASIDs, their owners, and SVA binds.
import { activeIds, type State } from '../reducers/index.js';

export interface PasidView {
  readonly allocator: string;
  readonly ioasids: readonly { id: number; set: string | null; private: number | null; stale: boolean; seq: number }[];
  readonly pasids: readonly { pasid: number; device: string; seq: number }[];
  readonly binds: readonly { device: string; mm: string; pasid: number; seq: number }[];
  readonly maxPasids: Readonly<Record<string, number>>;
  readonly failures: number;
}

export function pasidView(s: State, limit = Infinity): PasidView {
  const io = s.ioasid;
  const ioasids: PasidView['ioasids'][number][] = [];
  activeIds(io).forEach((_, e) => {
    ioasids.push({ id: e.id, set: e.set, private: e.private, stale: e.stale, seq: e.seq });
    return ioasids.length < limit;
  });
  const pasids: PasidView['pasids'][number][] = [];
  io.pasids.forEach((_, p) => {
    pasids.push({ pasid: p.pasid, device: p.device, seq: p.seq });
    return pasids.length < limit;
  });
  return { allocator: io.active, ioasids, pasids, binds: io.binds, maxPasids: io.maxPasids, failures: io.failures };
}
