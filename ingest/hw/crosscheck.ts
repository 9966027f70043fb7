// Hardware cross-check: does every translation QEMU's IOMMU performed match a mapping the model
// replayed in the domain of the device that did the DMA? The QEMU clock is the host's, so a fill
// is checked against every mapping the domain ever had at that IOVA (its mapping history), not
// against the state at one instant. VT-d fills name the requester id, which names the device and
// so its domains; SMMUv3 walk lines name no stream, so a fill is attributed to whichever domains
// had that IOVA mapped to that physical page.
import { type IommuEvent } from '../../domain-events/index.js';
import { type IotlbFill, type QemuLog, requesterId } from './qemu-log.js';

export interface CrossCheck {
  readonly fills: number;
  /** fills whose translation the model had in the device's domain (or, on SMMUv3, some domain) */
  readonly agree: number;
  /** the IOVA was mapped in that domain, but to another physical page */
  readonly wrongPhys: number;
  /** the model never had that IOVA mapped in that domain */
  readonly unmapped: number;
  /** VT-d fills from a requester id of no device in the trace */
  readonly unknownDevice: number;
  readonly firstDisagreements: readonly { line: number; iova: string; phys: string; why: string }[];
  readonly attribution: string;
}

const PAGE = 0x1000n;
/** pages of one mapping expanded into the history; bigger maps are kept as ranges */
const EXPAND_LIMIT = 4096n;

interface Range {
  readonly iova: bigint;
  readonly paddr: bigint;
  readonly size: bigint;
}

class History {
  /** domain → iova pfn → physical pfns it was ever mapped to */
  readonly pages = new Map<number, Map<bigint, Set<bigint>>>();
  readonly big = new Map<number, Range[]>();
  readonly domainsOfDevice = new Map<string, Set<number>>();

  add(e: IommuEvent): void {
    if (e.type === 'DeviceAttached') {
      const s = this.domainsOfDevice.get(e.device) ?? new Set<number>();
      s.add(e.domain);
      this.domainsOfDevice.set(e.device, s);
      return;
    }
    if (e.type !== 'Mapped') return;
    const pages = (e.size + PAGE - 1n) / PAGE;
    if (pages > EXPAND_LIMIT) {
      const l = this.big.get(e.domain) ?? [];
      l.push({ iova: e.iova, paddr: e.paddr, size: e.size });
      this.big.set(e.domain, l);
      return;
    }
    const d = this.pages.get(e.domain) ?? new Map<bigint, Set<bigint>>();
    this.pages.set(e.domain, d);
    for (let i = 0n; i < pages; i++) {
      const k = e.iova / PAGE + i;
      const s = d.get(k) ?? new Set<bigint>();
      s.add(e.paddr / PAGE + i);
      d.set(k, s);
    }
  }

  /** 'agree' | 'wrongPhys' | 'unmapped' for a fill in one domain */
  judge(domain: number, f: IotlbFill): 'agree' | 'wrongPhys' | 'unmapped' {
    // a block leaf translates the whole block: compare the page the access fell in
    const off = f.iova % f.leafSize;
    const phys = f.leafSize > PAGE ? f.phys + off : f.phys;
    const set = this.pages.get(domain)?.get(f.iova / PAGE);
    let mapped = set !== undefined;
    if (set?.has(phys / PAGE)) return 'agree';
    for (const r of this.big.get(domain) ?? []) {
      if (f.iova < r.iova || f.iova >= r.iova + r.size) continue;
      mapped = true;
      if (r.paddr + (f.iova - r.iova) === phys) return 'agree';
    }
    return mapped ? 'wrongPhys' : 'unmapped';
  }
}

export function crossCheck(blocks: Iterable<readonly IommuEvent[]>, log: QemuLog): CrossCheck {
  const h = new History();
  for (const b of blocks) for (const e of b) h.add(e);
  const bySid = new Map<number, Set<number>>();
  for (const [dev, doms] of h.domainsOfDevice) {
    const sid = requesterId(dev);
    if (sid !== null) bySid.set(sid, doms);
  }
  const allDomains = [...new Set([...h.pages.keys(), ...h.big.keys()])];
  let agree = 0;
  let wrongPhys = 0;
  let unmapped = 0;
  let unknownDevice = 0;
  const first: { line: number; iova: string; phys: string; why: string }[] = [];
  for (const f of log.fills) {
    let domains: Iterable<number>;
    if (f.sid !== null) {
      const d = bySid.get(f.sid);
      if (!d) {
        unknownDevice++;
        continue;
      }
      domains = d;
    } else domains = allDomains;
    let verdict: 'agree' | 'wrongPhys' | 'unmapped' = 'unmapped';
    for (const d of domains) {
      const v = h.judge(d, f);
      if (v === 'agree') {
        verdict = v;
        break;
      }
      if (v === 'wrongPhys') verdict = v;
    }
    if (verdict === 'agree') agree++;
    else {
      if (verdict === 'wrongPhys') wrongPhys++;
      else unmapped++;
      if (first.length < 10)
        first.push({ line: f.line, iova: '0x' + f.iova.toString(16), phys: '0x' + f.phys.toString(16), why: verdict === 'wrongPhys' ? 'mapped to another physical page in the model' : 'never mapped at this IOVA in the model' });
    }
  }
  return {
    fills: log.fills.length,
    agree,
    wrongPhys,
    unmapped,
    unknownDevice,
    firstDisagreements: first,
    attribution:
      log.fills.some((f) => f.sid !== null)
        ? 'VT-d fills by requester id (bus<<8|devfn) → device → every domain it was attached to'
        : 'SMMUv3 walks carry no stream id: a fill agrees if any domain had that IOVA mapped to that page',
  };
}
