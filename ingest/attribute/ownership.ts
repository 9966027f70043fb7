// What a group's attach lines mean once VFIO owns it (drivers/vfio/container.c,
// vfio_iommu_type1.c, drivers/iommu/iommu.c; 6.1.192 and 6.12.117 print the same lines):
//   VFIO_GROUP_SET_CONTAINER     claim DMA ownership: the group's blocking domain (kept per group)
//   VFIO_SET_IOMMU / later join  vfio_iommu_type1_attach_group: a new UNMANAGED domain, then
//                                vfio_test_domain_fgsp maps and unmaps 8 KiB in it
//   join of a compatible group   the new domain gets no map: iommu_detach_group puts the group in
//                                its blocking domain, it is attached to the container's existing
//                                domain and the new one is freed (four lines from the claim on)
//   group closed                 detach_group: blocking domain (the domain goes with its last
//                                group, after unmapping what is left), then release: default domain
// So after "owned, blocked" the next line is a join when the domain the group left never had a
// map and another group's VFIO domain is live; otherwise it is the release.
import { CookiePut, DomainFreed, type IommuEvent, type Meta } from '../../domain-events/index.js';
import { type BookDomain } from './book.js';

type Stage = 'default' | 'blocked-in' | 'owned' | 'joined' | 'blocked-out';

export interface OwnershipHost {
  newDomain(type: 'BLOCKED' | 'UNMANAGED', group: number, owner: string, meta: Meta, how: string): BookDomain;
  ensureDefault(group: number, meta: Meta): BookDomain;
  emit(e: IommuEvent): void;
  /** the domain each group is attached to now */
  readonly current: ReadonlyMap<number, BookDomain>;
  /** maps the journal holds for a domain so far (any, also since unmapped) */
  mapsIn(domain: number): number;
  /** the domain has a cookie (a VFIO domain's MSI cookie) */
  hasCookie(domain: number): boolean;
}

interface Left {
  readonly domain: BookDomain;
  readonly joined: boolean;
}

export class GroupOwnership {
  private readonly stage = new Map<number, Stage>();
  private readonly blocking = new Map<number, BookDomain>();
  private readonly user = new Map<number, BookDomain>();
  private readonly left = new Map<number, Left>();
  private readonly pidOf = new Map<number, number | null>();

  constructor(private readonly host: OwnershipHost) {}

  /** The domain a group already attached switches to on its next attach line. */
  next(group: number, meta: Meta): BookDomain {
    const stage = this.stage.get(group) ?? 'default';
    let to: BookDomain;
    let after: Stage;
    if (stage === 'default' || stage === 'owned' || stage === 'joined') {
      // claim, or detach_group: the group's blocking domain (one per group, __iommu_group_alloc_blocking_domain)
      to = this.blockingOf(group, meta);
      after = stage === 'default' ? 'blocked-in' : 'blocked-out';
      if (stage !== 'default') this.left.set(group, { domain: this.user.get(group)!, joined: stage === 'joined' });
    } else if (stage === 'blocked-in') {
      to = this.host.newDomain('UNMANAGED', group, 'vfio', meta, 'attach-sequence');
      after = 'owned';
    } else {
      const left = this.left.get(group)!;
      this.left.delete(group);
      const shared = left.joined || this.host.mapsIn(left.domain.id) > 0 ? undefined : this.sharedFor(group, left.domain, meta);
      this.freeIfUnused(group, left.domain, meta);
      to = shared ?? this.host.ensureDefault(group, meta);
      after = shared ? 'joined' : 'default';
    }
    this.stage.set(group, after);
    if (after === 'owned' || after === 'joined') this.user.set(group, to);
    this.pidOf.set(group, meta.pid ?? null);
    return to;
  }

  /** How the book should label the switch it just made (a join is inferred, like the others). */
  how(group: number): string {
    return this.stage.get(group) === 'joined' ? 'vfio-container-join' : 'attach-sequence';
  }

  /** Domains whose last group went to its blocking domain: detach_group's unmaps may still come. */
  releasing(): BookDomain[] {
    return [...this.left.values()].map((l) => l.domain).filter((d) => ![...this.host.current.values()].includes(d));
  }

  private blockingOf(group: number, meta: Meta): BookDomain {
    let b = this.blocking.get(group);
    if (!b) {
      b = this.host.newDomain('BLOCKED', group, 'owner', meta, 'attach-sequence');
      this.blocking.set(group, b);
    }
    return b;
  }

  /** A live VFIO domain of another group: the one whose group the same process moved last, else the newest. */
  private sharedFor(group: number, leaving: BookDomain, meta: Meta): BookDomain | undefined {
    const live: { d: BookDomain; pid: number | null }[] = [];
    for (const [g, d] of this.host.current) {
      const s = this.stage.get(g);
      if (g !== group && d !== leaving && (s === 'owned' || s === 'joined')) live.push({ d, pid: this.pidOf.get(g) ?? null });
    }
    const same = live.filter((x) => meta.pid !== undefined && meta.pid !== null && x.pid === meta.pid);
    const pick = (same.length ? same : live).sort((a, b) => b.d.id - a.d.id)[0];
    return pick?.d;
  }

  /**
   * iommu_domain_free: a VFIO domain goes once no group is in it (vfio_iommu_type1_detach_group),
   * its MSI cookie first (iommu_put_dma_cookie: doorbell pages dropped, not unmapped).
   */
  private freeIfUnused(group: number, d: BookDomain, meta: Meta): void {
    for (const [g, cur] of this.host.current) if (g !== group && cur === d) return;
    for (const [g, l] of this.left) if (g !== group && l.domain === d) return;
    const m = { ...meta, how: 'attach-sequence', conf: 0.7 };
    if (this.host.hasCookie(d.id)) this.host.emit(CookiePut.make({ domain: d.id }, m));
    this.host.emit(DomainFreed.make({ domain: d.id }, m));
  }
}
