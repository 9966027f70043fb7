// init_iova_domain (+ iova_domain_init_rcaches) and put_iova_domain (iova.c 6.1 = 6.12).
import { IovaDomainInitialised, IovaDomainPut } from '../../domain-events/index.js';
import { type IovaCtx } from './ctx.js';

/** dma_32bit_pfn: the first pfn at or above 4 GiB for this granule. */
export function dma32bitPfn(granule: number): number {
  return 2 ** (32 - Math.log2(granule));
}

export function initIovaDomain(ctx: IovaCtx, granule: number, startPfn: number, cpus: number, rcaches: boolean): number {
  // iova.c init_iova_domain: the granule is a power of two no larger than PAGE_SIZE (BUG_ON otherwise)
  if (!Number.isInteger(Math.log2(granule)) || granule > 65536 || granule < 1) throw new RangeError(`granule ${granule} is not a power of two up to 64 KiB`);
  const pfn32 = dma32bitPfn(granule);
  ctx.emit(IovaDomainInitialised.make({ domain: ctx.domain, granule, startPfn, dma32bitPfn: pfn32, cpus: rcaches ? cpus : 0, rcaches, errno: null }, ctx.meta));
  return pfn32;
}

export function putIovaDomain(ctx: IovaCtx): void {
  ctx.emit(IovaDomainPut.make({ domain: ctx.domain }, ctx.meta));
}
