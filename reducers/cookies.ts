// dma-iommu cookies and their MSI doorbell pages (dma-iommu.c struct iommu_dma_cookie,
// struct iommu_dma_msi_page). Few and small: an immer slice.
import { current, isDraft } from 'immer';
import { immerSlice } from './slice.js';

export interface MsiPageState {
  readonly doorbell: bigint;
  readonly iova: bigint;
  /** reserved-IOVA series bindings count references; merged dma-iommu keeps none (0) */
  readonly refcount: number;
  readonly seq: number;
  readonly devices: readonly string[];
}

export interface CookieState {
  readonly domain: number;
  readonly kind: 'dma' | 'msi' | 'iommufd' | 'reserved';
  /** MSI cookie: SW_MSI base and the bump pointer */
  readonly msiBase: bigint | null;
  readonly msiNext: bigint | null;
  /** reserved window (2016 series, v7): the prot gets are checked against */
  readonly windowProt?: number;
  /** the list head first, as the kernel links new pages at the head */
  readonly msiPages: readonly MsiPageState[];
  readonly gotSeq: number;
}

export interface CookiesState {
  readonly byDomain: Readonly<Record<number, CookieState>>;
  /** cookies already put, with when: use of a freed cookie is a finding */
  readonly putSeq: Readonly<Record<number, number>>;
  readonly untranslated: number;
}

export const cookiesSlice = immerSlice<CookiesState>({
  name: 'cookies',
  initial: { byDomain: {}, putSeq: {}, untranslated: 0 },
  on: {
    DmaCookieGot(d, e) {
      if (e.errno !== null) return;
      d.byDomain[e.domain] = { domain: e.domain, kind: 'dma', msiBase: null, msiNext: null, msiPages: [], gotSeq: e.seq };
      delete d.putSeq[e.domain];
    },
    MsiCookieGot(d, e) {
      if (e.errno !== null) return;
      d.byDomain[e.domain] = { domain: e.domain, kind: 'msi', msiBase: e.base, msiNext: e.base, msiPages: [], gotSeq: e.seq };
      delete d.putSeq[e.domain];
    },
    CookiePut(d, e) {
      if (d.byDomain[e.domain]) {
        delete d.byDomain[e.domain];
        d.putSeq[e.domain] = e.seq;
      }
    },
    // the 2016 series keeps its window beside (not in) the dma cookie; VFIO domains have none
    ReservedIovaDomainAllocated(d, e) {
      if (e.errno !== null) return;
      d.byDomain[e.domain] = { domain: e.domain, kind: 'reserved', msiBase: e.iova, msiNext: null, windowProt: e.prot, msiPages: [], gotSeq: e.seq };
      delete d.putSeq[e.domain];
    },
    ReservedIovaDomainFreed(d, e) {
      if (d.byDomain[e.domain]?.kind !== 'reserved') return;
      delete d.byDomain[e.domain];
      d.putSeq[e.domain] = e.seq;
    },
    MsiCookieIovaMoved(d, e) {
      const c = d.byDomain[e.domain];
      if (c) c.msiNext = e.next;
    },
    MsiPageGot(d, e) {
      const c = (d.byDomain[e.domain] ??= {
        domain: e.domain,
        kind: e.cookie,
        msiBase: null,
        msiNext: null,
        msiPages: [],
        gotSeq: e.seq,
      });
      // search a plain view: reading a draft array's elements makes a proxy of each, which made
      // the 256 pages of the x86 MSI window quadratic at probe
      const plain = isDraft(c.msiPages) ? current(c.msiPages) : c.msiPages;
      const i = plain.findIndex((p) => p.doorbell === e.doorbell);
      if (i >= 0) {
        const existing = c.msiPages[i];
        existing.refcount = e.refcount;
        if (e.device !== null && !existing.devices.includes(e.device)) existing.devices.push(e.device);
        return;
      }
      c.msiPages = [{ doorbell: e.doorbell, iova: e.iova, refcount: e.refcount, seq: e.seq, devices: e.device === null ? [] : [e.device] }, ...plain];
    },
    MsiPagePut(d, e) {
      const c = d.byDomain[e.domain];
      if (!c) return;
      if (e.released) c.msiPages = c.msiPages.filter((p) => p.doorbell !== e.doorbell);
      else {
        const p = c.msiPages.find((x) => x.doorbell === e.doorbell);
        if (p) p.refcount = e.refcount;
      }
    },
    MsiUntranslated(d) {
      d.untranslated += 1;
    },
  },
  snapshot: (s) => s,
  restore: (data) => data as CookiesState,
  hash(s, h) {
    for (const id of Object.keys(s.byDomain).map(Number).sort((a, b) => a - b)) {
      const c = s.byDomain[id];
      h.add('cookie', c.domain, c.kind, c.msiBase, c.msiNext, c.windowProt ?? null, c.gotSeq);
      for (const p of c.msiPages) h.add('msi', p.doorbell, p.iova, p.refcount, p.seq, p.devices.join(','));
    }
    for (const id of Object.keys(s.putSeq).map(Number).sort((a, b) => a - b)) h.add('put', id, s.putSeq[id]);
    h.add('untranslated', s.untranslated);
  },
});
