// The working context of a page-table decision: the domain's page table as the driver sees it at
// each step. Events fold through the page-table reducer at once, so a later step of the same call
// (the next chunk of iommu_map, the unroll) reads what the kernel would read.
import { type IommuEvent, type Meta } from '../../domain-events/index.js';
import { type DomainPageTable, type PageTablesState, pageTablesSlice, Tx } from '../../reducers/index.js';
import { type Profile } from '../profile.js';

/** TLB maintenance io-pgtable asked for during one call (io_pgtable_tlb_* callbacks). */
export interface TlbCounts {
  addPage: number;
  flushWalk: number;
  flushAll: number;
}

export class PgtableCtx {
  readonly events: IommuEvent[] = [];
  private readonly tx = new Tx();
  readonly tlb: TlbCounts = { addPage: 0, flushWalk: 0, flushAll: 0 };
  warn = 0;
  /** the unmap's gather is queued (lazy flush queue): leaves are not added for invalidation */
  gatherQueued = false;

  constructor(
    public slice: PageTablesState,
    readonly domain: number,
    readonly profile: Profile,
    readonly meta: Meta,
  ) {}

  get pt(): DomainPageTable {
    const d = this.slice.domains.get(this.domain);
    if (!d) throw new Error(`domain ${this.domain} has no page table`);
    return d;
  }

  emit(e: IommuEvent): void {
    this.events.push(e);
    this.applyLocal(e);
  }

  /**
   * Folds an event into this decision's view only: the chunks of one iommu_unmap each change
   * the table the next chunk walks, but the call is one `unmap` event.
   */
  applyLocal(e: IommuEvent): void {
    const h = (pageTablesSlice.on as Record<string, ((s: PageTablesState, e: IommuEvent, tx: Tx) => PageTablesState) | undefined>)[e.type];
    if (h) this.slice = h(this.slice, e, this.tx);
  }
}
