// The working context of one kernel call that spans aggregates (a DMA map allocates an IOVA,
// writes the page table, updates the DMA-API view): the whole state, kept current as events are
// emitted, with helpers to run the iova.c and page-table deciders on it.
import { type IommuEvent, type Meta } from '../../domain-events/index.js';
import { evolveBatch, type State, type Tx } from '../../reducers/index.js';
import { IovaCtx } from '../iova/ctx.js';
import { PgtableCtx } from '../pgtable/ctx.js';
import { type Profile } from '../profile.js';

export class KernelCtx {
  readonly events: IommuEvent[] = [];
  warn = 0;

  constructor(
    public state: State,
    readonly profile: Profile,
    public meta: Meta,
    /** mm -> PASID of processes bound for SVA (the mm's own field, outside the IOMMU state) */
    readonly mmPasids: Map<string, number> = new Map(),
    /** when set, events get their journal position here, before the state sees them */
    readonly seq: { next: number } | null = null,
    /**
     * one Tx for every emit of this context (reducers/root.ts evolveBatch): what an earlier emit
     * copied, a later one changes in place. Only for a caller that keeps none of the states in
     * between (a state taken before the first emit stays untouched, so it may be gone back to).
     */
    private readonly tx: Tx | null = null,
  ) {}

  emit(...events: IommuEvent[]): void {
    if (events.length === 0) return;
    if (this.seq) for (const e of events) if (e.seq === -1) (e as { seq: number }).seq = this.seq.next++;
    this.events.push(...events);
    this.state = this.tx === null ? evolveBatch(this.state, events) : evolveBatch(this.state, events, this.tx);
  }

  withIova<T>(domain: number, fn: (c: IovaCtx) => T, cpu?: number): T {
    const c = IovaCtx.forDomain(this.state.iova, domain, this.profile, cpu === undefined ? this.meta : { ...this.meta, cpu });
    const r = fn(c);
    this.emit(...c.events);
    return r;
  }

  withPgtable<T>(domain: number, fn: (c: PgtableCtx) => T, opts: { gatherQueued?: boolean } = {}): T {
    const c = new PgtableCtx(this.state.pageTables, domain, this.profile, this.meta);
    c.gatherQueued = opts.gatherQueued ?? false;
    const r = fn(c);
    this.warn += c.warn;
    this.emit(...c.events);
    return r;
  }

  get cpu(): number {
    return this.meta.cpu ?? 0;
  }

  get ts(): number | null {
    return this.meta.ts ?? null;
  }
}
