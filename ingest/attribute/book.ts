// The topology an import reconstructs from add/attach lines and the capture's guest files:
// groups, their default domains (created at first attach, or at the identity map that precedes
// it), and the domain switches of device ownership (VFIO/iommufd: default → blocked → unmanaged
// → blocked → default; reference §4.6).
import {
  DeviceAddedToGroup,
  DeviceAttached,
  DeviceDetached,
  DeviceRemovedFromGroup,
  DmaCookieGot,
  DomainAllocated,
  type DomainType,
  GroupCreated,
  type IommuEvent,
  type Meta,
  ReservedRegionDeclared,
} from '../../domain-events/index.js';
import { type State } from '../../reducers/index.js';
import { type CaptureGroup, type CaptureInfo, regionsOfGroup } from '../capture.js';
import { GroupOwnership } from './ownership.js';

export interface BookDomain {
  readonly id: number;
  readonly type: DomainType;
  readonly group: number;
  /** a doorbell page has been seen mapped in it */
  doorbell: boolean;
  lastActivity: number;
}

export class DomainBook {
  private nextDomain = 1;
  readonly groupOf = new Map<string, number>();
  readonly defaultDomain = new Map<number, BookDomain>();
  readonly current = new Map<number, BookDomain>();
  readonly domains = new Map<number, BookDomain>();
  private readonly knownGroups = new Set<number>();
  /** what a group's attach lines mean once VFIO owns it (ownership.ts) */
  private readonly ownership: GroupOwnership;

  constructor(
    readonly capture: CaptureInfo,
    private readonly emit: (e: IommuEvent) => void,
    /** the journal state so far (how many maps a domain has had) */
    state?: () => State,
  ) {
    this.ownership = new GroupOwnership({
      newDomain: (type, group, owner, meta, how) => this.newDomain(type, group, owner, meta, how),
      ensureDefault: (group, meta) => this.ensureDefault(group, meta),
      emit: (e) => this.emit(e),
      current: this.current,
      mapsIn: (domain) => state?.().pageTables.domains.get(domain)?.maps ?? 0,
      hasCookie: (domain) => state?.().cookies.byDomain[domain] !== undefined,
    });
  }

  captureGroup(group: number): CaptureGroup | undefined {
    return this.capture.groups.find((g) => g.id === group);
  }

  /** The default domain type: what sysfs said for the group, else the command line. */
  private defaultType(group: number): DomainType {
    const t = this.captureGroup(group)?.type;
    if (t === 'identity') return 'IDENTITY';
    if (t === 'DMA-FQ') return 'DMA_FQ';
    if (t === 'DMA') return 'DMA';
    if (this.capture.passthrough) return 'IDENTITY';
    return this.capture.strict === false && !this.capture.forcedStrict ? 'DMA_FQ' : 'DMA';
  }

  private newDomain(type: DomainType, group: number, owner: string, meta: Meta, how: string | null): BookDomain {
    const id = this.nextDomain++;
    const paging = type === 'DMA' || type === 'DMA_FQ' || type === 'UNMANAGED';
    const arm = this.capture.arch === 'arm64';
    this.emit(
      DomainAllocated.make(
        {
          domain: id,
          domainType: type,
          apertureStart: 0n,
          apertureEnd: (1n << 48n) - 1n,
          forceAperture: true,
          pgsizeBitmap: paging ? 0x40201000n : 0n,
          fmt: paging ? (arm ? 'ARM_64_LPAE_S1' : this.capture.arch === 'x86_64' ? 'VTD_SL' : 'unknown') : 'none',
          group,
          parent: null,
          owner,
        },
        { ...meta, how, conf: how ? 0.8 : null },
      ),
    );
    if (type === 'DMA' || type === 'DMA_FQ') this.emit(DmaCookieGot.make({ domain: id, errno: null }, { ...meta, how: 'implied', conf: 0.9 }));
    const d: BookDomain = { id, type, group, doorbell: false, lastActivity: -1 };
    this.domains.set(id, d);
    return d;
  }

  groupAdd(device: string, group: number, meta: Meta): void {
    if (!this.knownGroups.has(group)) {
      this.knownGroups.add(group);
      this.emit(GroupCreated.make({ group }, meta));
      const kinds: Record<string, 'direct' | 'direct-relaxable' | 'reserved' | 'msi' | 'sw-msi'> = { direct: 'direct', 'direct-relaxable': 'direct-relaxable', reserved: 'reserved', msi: this.capture.arch === 'arm64' ? 'sw-msi' : 'msi' };
      // a group sysfs does not list gets the platform's own regions (ingest/facts/platform.ts)
      const how = this.captureGroup(group) ? 'guest-iommu_groups' : 'platform-assumed';
      for (const r of regionsOfGroup(this.capture, group))
        if (kinds[r.kind]) this.emit(ReservedRegionDeclared.make({ device: null, group, start: r.start, end: r.end, kind: kinds[r.kind] }, { ...meta, how, conf: null }));
    }
    this.groupOf.set(device, group);
    this.emit(DeviceAddedToGroup.make({ device, group }, meta));
  }

  groupRemove(device: string, group: number, meta: Meta): void {
    this.emit(DeviceRemovedFromGroup.make({ device, group }, meta));
    this.groupOf.delete(device);
  }

  /** The group's default domain, created now if the trace has not shown it yet. */
  ensureDefault(group: number, meta: Meta): BookDomain {
    let d = this.defaultDomain.get(group);
    if (!d) {
      d = this.newDomain(this.defaultType(group), group, 'default', meta, this.captureGroup(group) ? null : 'cmdline-default-type');
      this.defaultDomain.set(group, d);
    }
    return d;
  }

  attach(device: string, meta: Meta): BookDomain {
    const group = this.groupOf.get(device) ?? this.adoptDevice(device, meta);
    const cur = this.current.get(group);
    const pending = this.pendingGroupAttach.get(group);
    let next: BookDomain;
    if (pending && pending.left.has(device)) {
      // the rest of the group follows the first device's switch
      pending.left.delete(device);
      if (pending.left.size === 0) this.pendingGroupAttach.delete(group);
      next = pending.domain;
    } else if (!this.attached.has(device)) {
      next = cur ?? this.ensureDefault(group, meta);
    } else {
      next = this.switchOwnership(group, device, meta);
    }
    this.attached.add(device);
    this.current.set(group, next);
    const inferred = next.type === 'BLOCKED' || next.type === 'UNMANAGED';
    this.emit(DeviceAttached.make({ device, domain: next.id, errno: null }, inferred ? { ...meta, how: this.ownership.how(group), conf: 0.7 } : meta));
    return next;
  }

  private readonly attached = new Set<string>();
  private readonly pendingGroupAttach = new Map<number, { domain: BookDomain; left: Set<string> }>();

  /**
   * A device already attached is attached again: its group changes hands (ownership.ts: default →
   * blocked → VFIO domain or the container's shared one → blocked → default). Every device of the
   * group switches to the same domain.
   */
  private switchOwnership(group: number, device: string, meta: Meta): BookDomain {
    const next = this.ownership.next(group, meta);
    const members = [...this.groupOf.entries()].filter(([d, g]) => g === group && d !== device).map(([d]) => d);
    if (members.length) this.pendingGroupAttach.set(group, { domain: next, left: new Set(members) });
    return next;
  }

  detach(device: string, meta: Meta): void {
    const group = this.groupOf.get(device);
    const cur = group === undefined ? undefined : this.current.get(group);
    if (cur) this.emit(DeviceDetached.make({ device, domain: cur.id }, meta));
  }

  /** A device seen only through its DMA events gets a group of its own. */
  private adoptDevice(device: string, meta: Meta): number {
    let g = 1000;
    while (this.knownGroups.has(g)) g++;
    this.groupAdd(device, g, { ...meta, how: 'adopted', conf: 0.5 });
    return g;
  }

  /** Domain a device's DMA-API calls go through (its group's default domain, when translated). */
  dmaDomainOf(device: string): BookDomain | undefined {
    const g = this.groupOf.get(device);
    if (g === undefined) return undefined;
    const d = this.defaultDomain.get(g);
    return d && (d.type === 'DMA' || d.type === 'DMA_FQ') ? d : undefined;
  }

  /** Paging domains a map or unmap could belong to right now. */
  candidates(): BookDomain[] {
    const out = new Set<BookDomain>();
    for (const d of this.current.values()) if (d.type === 'DMA' || d.type === 'DMA_FQ' || d.type === 'UNMANAGED') out.add(d);
    for (const d of this.defaultDomain.values()) if (d.type === 'DMA' || d.type === 'DMA_FQ') out.add(d);
    // a VFIO domain its last group has left until it is freed: detach_group unmaps what is left in it
    for (const d of this.ownership.releasing()) out.add(d);
    return [...out];
  }
}
