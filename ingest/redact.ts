// Physical addresses say how a machine's memory is laid out (RAM banks, MMIO windows, where the
// kernel put its buffers). A Redactor replaces them with stable pseudonyms so a trace or journal
// can be shared: each 2 MiB physical region gets a fake region in order of first use, and the
// offset inside the region is kept. So a block mapping stays aligned, pages contiguous in one
// region stay contiguous, the same page always gets the same pseudonym, and nothing of the real
// layout is left but the order in which regions were first touched. IOVAs are not redacted:
// they are the subject of the tool and say nothing about the host.
import { type IommuEvent } from '../domain-events/index.js';

/** region size: the largest leaf most tables use below 1 GiB (LPAE level 2, VT-d 2 MiB superpage) */
export const REDACT_REGION_SHIFT = 21n;
const REGION = 1n << REDACT_REGION_SHIFT;
/** pseudonyms start here: far from any real RAM or MMIO base so they read as fake */
export const REDACT_BASE = 0x5a00_0000_0000n;
const RAW_REDACTED = '[redacted: raw trace text may hold physical addresses]';

type Rec = Record<string, unknown>;

export class Redactor {
  private readonly regions = new Map<bigint, bigint>();
  private next = 0n;

  /** number of distinct physical regions seen */
  get size(): number {
    return this.regions.size;
  }

  /** The pseudonym of one physical address. */
  phys(addr: bigint): bigint {
    const region = addr >> REDACT_REGION_SHIFT;
    return this.regionOf(region) + (addr & (REGION - 1n));
  }

  /**
   * The pseudonym of [addr, addr+size): regions first met together get consecutive
   * pseudonyms, so a buffer crossing a 2 MiB line stays contiguous.
   */
  physRange(addr: bigint, size: bigint): bigint {
    const last = size > 0n ? (addr + size - 1n) >> REDACT_REGION_SHIFT : addr >> REDACT_REGION_SHIFT;
    for (let r = addr >> REDACT_REGION_SHIFT; r <= last && r - (addr >> REDACT_REGION_SHIFT) < 4096n; r++) this.regionOf(r);
    return this.phys(addr);
  }

  private regionOf(region: bigint): bigint {
    let p = this.regions.get(region);
    if (p === undefined) {
      p = REDACT_BASE + this.next * REGION;
      this.next++;
      this.regions.set(region, p);
    }
    return p;
  }

  /** A copy of the event with every physical address replaced (the input is untouched). */
  event(e: IommuEvent): IommuEvent {
    const r = { ...(e as unknown as Rec) };
    switch (e.type) {
      case 'Mapped':
      case 'MapFailed':
        r.paddr = this.physRange(e.paddr, e.size);
        if (e.leaves) r.leaves = e.leaves.map((l) => ({ ...l, paddr: this.physRange(l.paddr, l.pgsize * BigInt(l.count)) }));
        break;
      case 'MsiPageGot':
      case 'MsiPagePut':
      case 'MsiUntranslated':
        r.doorbell = this.phys(e.doorbell);
        break;
      case 'DmaApiCalled':
        if (e.phys !== null) r.phys = this.physRange(e.phys, e.size ?? 0n);
        if (e.sg) r.sg = { ...e.sg, physAddrs: e.sg.physAddrs.map((p, i) => this.physRange(p, e.sg!.sizes[i] ?? 0n)) };
        break;
      case 'RawEventKept':
        r.text = RAW_REDACTED;
        break;
      default:
        break;
    }
    return r as unknown as IommuEvent;
  }

  /** Redacts a stream of event blocks lazily. */
  *blocks(blocks: Iterable<readonly IommuEvent[]>): Generator<IommuEvent[]> {
    for (const b of blocks) yield b.map((e) => this.event(e));
  }
}
