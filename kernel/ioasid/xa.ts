// The allocation rule both ID spaces share: xa_alloc(XA_LIMIT(min, max)) (lib/xarray.c) and
// ida_alloc_range (lib/idr.c) hand out the lowest free id in [min, max]; no cursor.
import { type PMap } from '../../reducers/index.js';

export function lowestFree<V>(ids: PMap<V>, min: number, max: number): number | null {
  if (min > max) return null;
  let want = min;
  ids.forEachInRange(min, max, (k) => {
    if (k > want) return false;
    want = k + 1;
    return true;
  });
  return want <= max ? want : null;
}
