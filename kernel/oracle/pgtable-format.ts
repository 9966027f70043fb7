// The io-pgtable-arm oracle format (shared/oracles/io-pgtable-arm/README.md): raw map_pages /
// unmap_pages / iova_to_phys on an ARM_64_LPAE_S1 table, iommu_map / iommu_unmap through the core,
// and the page table itself, answered from the reducer state built from the deciders' events.
import { DomainAllocated, DomainFreed, type Errno, ERRNO, type IommuEvent, MapFailed, Mapped, PgtableConfigured, PgtableTableAllocated, PgtableTableFreed, Unmapped } from '../../domain-events/index.js';
import { type DomainPageTable, evolveBatch, initialState, type State } from '../../reducers/index.js';
import { type CoreDomain, iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { driverFor } from '../core/driver.js';
import { type LpaeGeometry, lpaeGeometry } from '../pgtable/arm-lpae-geometry.js';
import { armLpaeMapPages } from '../pgtable/arm-lpae-map.js';
import { attrsHex, lpaeS1Attrs } from '../pgtable/arm-lpae-pte.js';
import { armLpaeUnmapPages } from '../pgtable/arm-lpae-unmap.js';
import { PgtableCtx } from '../pgtable/ctx.js';
import { type Profile } from '../profile.js';
import { registerOracleFormat } from './registry.js';
import { input, isBool, isInt, isStr, type OracleFormat, OracleInputError, type OracleRecord, type OracleSession } from './types.js';

const DOMAIN = 1;

const OUTPUTS: Record<string, readonly string[]> = {
  alloc_io_pgtable_ops: ['pgsize_bitmap', 'start_level', 'pgd_bits'],
  map_pages: ['ret', 'mapped', 'tlb_add_page', 'tlb_flush_walk'],
  unmap_pages: ['unmapped', 'tlb_add_page', 'tlb_flush_walk'],
  iova_to_phys: ['phys'],
  iommu_map: ['ret', 'tlb_add_page', 'tlb_flush_walk'],
  iommu_unmap: ['unmapped', 'tlb_add_page', 'tlb_flush_walk'],
  check_pgtable: ['leaves', 'table_pages'],
  free_io_pgtable_ops: ['table_pages_after'],
};

const big = (rec: OracleRecord, f: string): bigint => BigInt(input(rec, f, isInt, 'an integer'));
const ret = (e: Errno | null) => (e === null ? 0 : -ERRNO[e]);

class PgtableOracleSession implements OracleSession {
  private state: State = initialState();
  private geo: LpaeGeometry | null = null;

  constructor(private readonly profile: Profile) {}

  private ctx(op: string): PgtableCtx {
    if (!this.geo) throw new OracleInputError('op', 'no alloc_io_pgtable_ops before this op');
    return new PgtableCtx(this.state.pageTables, DOMAIN, this.profile, { cmd: op });
  }

  private apply(events: readonly IommuEvent[]): void {
    this.state = evolveBatch(this.state, events);
  }

  private get pt(): DomainPageTable {
    return this.state.pageTables.domains.get(DOMAIN)!;
  }

  private get domain(): CoreDomain {
    return { type: 'UNMANAGED', pgsizeBitmap: this.geo!.pgsizeBitmap, hasMapOps: true };
  }

  step(rec: OracleRecord): Record<string, unknown> {
    const op = rec.op as string;
    switch (op) {
      case 'alloc_io_pgtable_ops':
        return this.alloc(rec);
      case 'free_io_pgtable_ops':
        return this.free();
      case 'map_pages': {
        const ctx = this.ctx(op);
        const iova = big(rec, 'iova');
        const paddr = big(rec, 'paddr');
        const pgsize = big(rec, 'pgsize');
        const pgcount = input(rec, 'pgcount', isInt, 'an integer');
        const prot = input(rec, 'prot', isInt, 'prot bits');
        const r = armLpaeMapPages(ctx, this.geo!, iova, paddr, pgsize, pgcount, prot);
        const size = pgsize * BigInt(pgcount);
        if (r.errno) ctx.emit(MapFailed.make({ domain: DOMAIN, iova, paddr, size, prot, errno: r.errno, mapped: 0n, leaves: null, warn: ctx.warn }, ctx.meta));
        else ctx.emit(Mapped.make({ domain: DOMAIN, iova, paddr, size: r.mapped, prot, leaves: r.leaves, warn: ctx.warn }, ctx.meta));
        this.apply(ctx.events);
        return { ret: ret(r.errno), mapped: Number(r.mapped), tlb_add_page: ctx.tlb.addPage, tlb_flush_walk: ctx.tlb.flushWalk, warn: ctx.warn };
      }
      case 'unmap_pages': {
        const ctx = this.ctx(op);
        const iova = big(rec, 'iova');
        const pgsize = big(rec, 'pgsize');
        const pgcount = input(rec, 'pgcount', isInt, 'an integer');
        const n = armLpaeUnmapPages(ctx, this.geo!, iova, pgsize, pgcount);
        ctx.emit(Unmapped.make({ domain: DOMAIN, iova, size: pgsize * BigInt(pgcount), unmappedSize: n, warn: ctx.warn }, ctx.meta));
        this.apply(ctx.events);
        return { unmapped: Number(n), tlb_add_page: ctx.tlb.addPage, tlb_flush_walk: ctx.tlb.flushWalk, warn: ctx.warn };
      }
      case 'iova_to_phys':
        this.ctx(op);
        return { phys: Number(driverFor(this.pt).iovaToPhys(this.pt, big(rec, 'iova'))) };
      case 'iommu_map': {
        const ctx = this.ctx(op);
        const r = iommuMap(ctx, this.domain, big(rec, 'iova'), big(rec, 'paddr'), big(rec, 'size'), input(rec, 'prot', isInt, 'prot bits'));
        this.apply(ctx.events);
        return { ret: ret(r.errno), tlb_add_page: ctx.tlb.addPage, tlb_flush_walk: ctx.tlb.flushWalk, warn: ctx.warn };
      }
      case 'iommu_unmap': {
        const ctx = this.ctx(op);
        const n = iommuUnmap(ctx, this.domain, big(rec, 'iova'), big(rec, 'size'));
        this.apply(ctx.events);
        return { unmapped: Number(n), tlb_add_page: ctx.tlb.addPage, tlb_flush_walk: ctx.tlb.flushWalk, warn: ctx.warn };
      }
      case 'check_pgtable':
        this.ctx(op);
        return { leaves: coalescedLeaves(this.pt, this.geo!), table_pages: tablePages(this.pt) };
      default:
        throw new OracleInputError('op', `unknown op ${JSON.stringify(op)}`);
    }
  }

  private alloc(rec: OracleRecord): Record<string, unknown> {
    const fmt = input(rec, 'fmt', isStr, 'a format name');
    const ias = input(rec, 'ias', isInt, 'a number of bits');
    const oas = input(rec, 'oas', isInt, 'a number of bits');
    const bitmapIn = big(rec, 'pgsize_bitmap_in');
    input(rec, 'coherent_walk', isBool, 'true or false');
    if (this.geo) this.free();
    const g = lpaeGeometry(fmt, ias, oas, bitmapIn);
    if (!g) return { pgsize_bitmap: null, start_level: null, pgd_bits: null };
    this.geo = g;
    const top = 1n << BigInt(g.ias);
    this.apply([
      DomainAllocated.make(
        { domain: DOMAIN, domainType: 'UNMANAGED', apertureStart: 0n, apertureEnd: top - 1n, forceAperture: true, pgsizeBitmap: g.pgsizeBitmap, fmt, group: null, parent: null, owner: 'oracle' },
        { cmd: 'alloc_io_pgtable_ops' },
      ),
      PgtableConfigured.make({ domain: DOMAIN, fmt, ias: g.ias, oas: g.oas, granule: 2 ** g.pgShift, pgsizeBitmap: g.pgsizeBitmap, startLevel: g.startLevel, pgdBits: g.pgdBits }, { cmd: 'alloc_io_pgtable_ops' }),
      PgtableTableAllocated.make({ domain: DOMAIN, level: g.startLevel, iova: 0n, size: top }, { cmd: 'alloc_io_pgtable_ops' }),
    ]);
    return { pgsize_bitmap: Number(g.pgsizeBitmap), start_level: g.startLevel, pgd_bits: g.pgdBits };
  }

  private free(): Record<string, unknown> {
    if (!this.geo) throw new OracleInputError('op', 'no page table to free');
    const g = this.geo;
    this.apply([
      PgtableTableFreed.make({ domain: DOMAIN, level: g.startLevel, iova: 0n, size: 1n << BigInt(g.ias) }, { cmd: 'free_io_pgtable_ops' }),
      DomainFreed.make({ domain: DOMAIN }, { cmd: 'free_io_pgtable_ops' }),
    ]);
    this.geo = null;
    const after = tablePages(this.pt);
    // the next alloc starts a fresh table for the same domain id
    this.state = initialState();
    return { table_pages_after: after };
  }
}

export function tablePages(pt: DomainPageTable): number {
  let n = 0;
  for (const t of pt.tables) n += t.size;
  return n;
}

/** check_pgtable's leaves: runs of equal leaves contiguous in IOVA and PA with equal attributes. */
export function coalescedLeaves(pt: DomainPageTable, g: LpaeGeometry): [number, number, number, number, string][] {
  const out: [number, number, number, number, string][] = [];
  const granule = 2 ** g.pgShift;
  pt.runs.forEach((_, r) => {
    const attrs = attrsHex(lpaeS1Attrs(r.prot ?? 0, r.pgsize === granule));
    const iova = r.pfn * 4096;
    const paddr = r.ppfn * 4096;
    const last = out[out.length - 1];
    if (last && last[1] === r.pgsize && last[4] === attrs && last[0] + last[1] * last[2] === iova && last[3] + last[1] * last[2] === paddr) last[2] += r.count;
    else out.push([iova, r.pgsize, r.count, paddr, attrs]);
  });
  return out;
}

export const pgtableOracleFormat: OracleFormat = {
  kind: 'io-pgtable-arm-oracle',
  outputs: (op) => OUTPUTS[op],
  open: (_header, profile) => new PgtableOracleSession(profile),
};

registerOracleFormat(pgtableOracleFormat);
