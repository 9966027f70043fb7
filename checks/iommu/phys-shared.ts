// The same physical page reachable from two domains at once (two devices can DMA to it).
// Legitimate for shared buffers, so informational: a hint when one device's DMA corrupts memory
// another device owns. MSI doorbell pages (mapped in every domain that signals them) are not
// reported.
// The page owners are the page tables read backwards: every change an event makes to a domain's
// runs (maps, over-maps, unmaps, split blocks, freed tables) moves the owners of exactly the pages
// whose translation changed, so a resumed run rebuilds them from the checkpoint's page tables.
import { pagesOf, pfnOf, runPages, type State } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb, pageAddr } from './live.js';
import { PageOwners } from './page-owners.js';
import { changedPages, plainMap, Rewrite, wholeUnmap } from './run-changes.js';

/** pages counted per run at most: a 1 GiB identity map is not worth a walk */
const MAX_PAGES = 1 << 16;


function rebuild(owners: PageOwners, s: State): void {
  owners.clear();
  s.pageTables.domains.forEach((domain, pt) =>
    pt.runs.forEach((_, r) => {
      if (runPages(r) <= MAX_PAGES) owners.add(r.ppfn, runPages(r), domain, 1);
    }),
  );
}

interface Saved {
  /** PageOwners.saveShared: the order of a shared page's domains is history, not state */
  readonly shared: readonly number[];
  /** (domain, other domain, ppfn) triples already reported, flat */
  readonly reported: readonly number[];
}

export const physShared: Check = defineCheck({
  id: 'iommu/phys-shared',
  version: 2,
  severity: 'info',
  description: 'a physical page mapped in two domains at once (two devices can reach it)',
  on: ['Mapped', 'MapFailed', 'Unmapped', 'PgtableTableFreed'],
  create: () => {
    const owners = new PageOwners();
    /** reported (lower domain, higher domain, ppfn): `${lo}:${hi}:${ppfn}` */
    const reported = new Set<string>();
    const w = new Rewrite();
    /** w holds a rewrite for after() to apply */
    let pending = false;
    let domain = 0;
    const change = (ppfn: number, pages: number, by: number): void => owners.add(ppfn, pages, domain, by);
    return {
      inspect(e, s, emit) {
        const some = w.of(e, s);
        pending = false;
        if (e.type !== 'Mapped') {
          // whole runs unmapped: their pages go now, without the runs after the event
          if (some && wholeUnmap(w)) {
            domain = w.domain;
            for (const r of w.before) if (runPages(r) <= MAX_PAGES) change(r.ppfn, runPages(r), -1);
          } else pending = some;
          return;
        }
        const n = pagesOf(e.size);
        const first = pfnOf(e.paddr);
        let hit = -1;
        let other = -1;
        if (some && plainMap(w, MAX_PAGES)) {
          // a map over nothing: its pages are added and asked about in one pass
          hit = owners.addPages(first, n, e.domain);
          other = owners.sharedWith;
        } else {
          pending = some;
          if (n > MAX_PAGES) return;
          for (let i = 0; i < n && hit < 0; i++) {
            const o = owners.other(first + i, e.domain);
            if (o !== null) {
              hit = first + i;
              other = o;
            }
          }
        }
        if (hit < 0) return;
        // an MSI doorbell (the arm64 ITS page) is mapped in every domain whose devices signal
        // it: that is how MSIs are translated, not a page two devices share for DMA
        const doorbell = pageAddr(hit);
        if (s.cookies.byDomain[other]?.msiPages.some((p) => p.doorbell >> 12n === doorbell >> 12n)) return;
        const key = `${Math.min(e.domain, other)}:${Math.max(e.domain, other)}:${hit}`;
        if (reported.has(key)) return;
        reported.add(key);
        emit({
          message: `physical page ${hexb(pageAddr(hit))} mapped at ${hexb(e.iova)} in ${domainName(s, e.domain)} is also mapped in ${domainName(s, other)}`,
          domain: e.domain,
          address: pageAddr(hit),
          addressSpace: 'phys',
        });
      },
      after(_e, s) {
        if (!pending) return;
        pending = false;
        domain = w.domain;
        changedPages(w, s, MAX_PAGES, change);
      },
      save(): Saved {
        const flat: number[] = [];
        for (const k of reported) for (const x of k.split(':')) flat.push(Number(x));
        return { shared: owners.saveShared(), reported: flat };
      },
      restore(s, saved) {
        const v = saved as Saved | undefined;
        rebuild(owners, s);
        owners.restoreShared(v?.shared ?? []);
        reported.clear();
        const r = v?.reported ?? [];
        for (let i = 0; i + 2 < r.length; i += 3) reported.add(`${r[i]}:${r[i + 1]}:${r[i + 2]}`);
      },
    };
  },
});
