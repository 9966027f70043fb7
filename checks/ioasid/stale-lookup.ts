// ioasid.c ioasid_find (v5.5–v6.3): a lookup of an id already freed (-ENOENT after ioasid_free:
// a stale PASID still in use somewhere) or of an id that belongs to another ioasid_set
// (-EACCES: the caller reached into someone else's PASIDs).
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';

export const ioasidStaleLookup: Check = defineCheck({
  id: 'ioasid/stale-lookup',
  version: 1,
  severity: 'error',
  description: 'ioasid_find of a freed IOASID, or from the wrong ioasid_set',
  on: ['IoasidLookedUp'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'IoasidLookedUp') return;
      if (e.errno === 'EACCES') {
        emit({ message: `ioasid_find: IOASID ${e.id} looked up from set ${e.set ?? '(none)'} but it belongs to another set (-EACCES)`, address: BigInt(e.id), addressSpace: 'pasid' });
        return;
      }
      const freedAt = s.ioasid.freed.get(e.id);
      if (e.errno === 'ENOENT' && freedAt !== undefined)
        emit({ message: `ioasid_find: IOASID ${e.id} was freed by ioasid_free at #${freedAt} and is still looked up (-ENOENT): a stale PASID`, related: [freedAt], address: BigInt(e.id), addressSpace: 'pasid' });
    },
  }),
});
