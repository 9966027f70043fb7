// Workload statements for iommufd (drivers/iommu/iommufd, 6.12.117):
//   ioas NAME                                          IOMMU_IOAS_ALLOC
//   ioas_map NAME size= [iova=] [uptr=] [prot=r|w|rw] [pa=] [chunk= [gap=]] [from=] [as=VAR] [expect=] [expect_align=]
//       IOMMU_IOAS_MAP of user memory; the pinned pages are physically contiguous from pa= (a bump
//       allocator's next pages without it), or chunks of chunk= bytes, gap= bytes apart (one page
//       by default), as anonymous memory or huge pages pin; from= starts the range that many bytes
//       into that buffer; iova= fixed, else the kernel picks it (as=VAR keeps it)
//   ioas_unmap NAME iova= size= [expect=BYTES|ERRNO]   IOMMU_IOAS_UNMAP
//   iommufd_bind DEV · iommufd_detach DEV · iommufd_unbind DEV [expect=]
//   iommufd_attach DEV ioas=NAME|hwpt=NAME [as=NAME] [expect=]   attach to the IOAS's automatic
//       hw_pagetable or to one by name; as= names the hw_pagetable's domain for map/unmap/check_map
//   iommufd_hwpt_alloc DEV ioas=NAME as=NAME [expect=] · iommufd_hwpt_destroy NAME [expect=]
//   check_map DOMAIN iova= size= pa=ADDR|none [chunk= [gap=]] [from=]   every page of the range translates
//       to those pages (IOMMU_TEST_OP_MD_CHECK_MAP of the selftests), or to nothing
import { type Errno } from '../../domain-events/index.js';
import { iovaToPhys } from '../../projections/page-table.js';
import { type PinnedRun } from '../iommufd/iopt.js';
import { IOMMU_CACHE } from '../pgtable/arm-lpae-pte.js';
import { Args, fail } from './args.js';
import { type Statement } from './ast.js';
import { type WorkloadRun } from './run.js';

type Verb = (r: WorkloadRun, s: Statement) => void;

const PAGE = 4096n;
// IOMMU_IOAS_MAP_READABLE / WRITEABLE as IOMMU_READ 1 / IOMMU_WRITE 2 (conv_iommu_prot adds IOMMU_CACHE)
const IOAS_PROT: Record<string, number> = { r: 1, w: 2, rw: 3 };
const errnoOr = (e: Errno | null | undefined) => e ?? 'ok';
const hex = (v: bigint) => '0x' + v.toString(16);

function ioasId(r: WorkloadRun, a: Args, at: string | number): number {
  const name = a.word(at);
  return r.ioas.get(name) ?? fail(r, a.posOf(at), `unknown IOAS ${JSON.stringify(name)} (declare it with "ioas ${name}")`);
}

/**
 * The pages layout of pa= chunk= gap= from=: a buffer of chunks of `chunk` bytes, `gap` bytes apart
 * from `pa`, of which the range starts `from` bytes in.
 */
interface Layout {
  readonly pa: bigint;
  readonly chunk: bigint;
  readonly gap: bigint;
  readonly from: bigint;
}

function pageMultiple(r: WorkloadRun, a: Args, key: string, v: bigint, zeroOk: boolean): bigint {
  if (v % PAGE !== 0n || (!zeroOk && v === 0n)) fail(r, a.posOf(key), `${key}= must be a${zeroOk ? '' : ' non-zero'} multiple of 4K, found ${hex(v)}`);
  return v;
}

function layout(r: WorkloadRun, a: Args, span: bigint, pa: bigint | null): Layout {
  const from = pageMultiple(r, a, 'from', a.num('from', 0n), true);
  const chunk = a.has('chunk') ? pageMultiple(r, a, 'chunk', a.num('chunk'), false) : from + span;
  const gap = a.has('gap') ? pageMultiple(r, a, 'gap', a.num('gap'), true) : PAGE;
  const chunks = (from + span + chunk - 1n) / chunk;
  const base = pa ?? r.phys(from + span + (chunks - 1n) * gap);
  return { pa: pageMultiple(r, a, 'pa', base, true), chunk, gap, from };
}

/** where byte `off` of the range lives */
function physAt(l: Layout, off: bigint): bigint {
  const o = l.from + off;
  return l.pa + (o / l.chunk) * (l.chunk + l.gap) + (o % l.chunk);
}

function runsOf(l: Layout, span: bigint): PinnedRun[] {
  const out: PinnedRun[] = [];
  for (let off = 0n; off < span; ) {
    const inChunk = l.chunk - ((l.from + off) % l.chunk);
    const length = inChunk < span - off ? inChunk : span - off;
    out.push({ phys: physAt(l, off), length });
    off += length;
  }
  return out;
}

function nameDomain(r: WorkloadRun, a: Args, domain: number | null): void {
  if (domain !== null && a.has('as')) r.domains.set(a.word('as'), domain);
}

export const IOMMUFD_VERBS: Readonly<Record<string, Verb>> = {
  ioas(r, s) {
    const a = new Args(r, s, [], 1);
    r.ioas.set(a.word(0), r.exec(s, { op: 'ioas_alloc' }) as number);
  },
  ioas_map(r, s) {
    const a = new Args(r, s, ['iova', 'size', 'uptr', 'prot', 'pa', 'chunk', 'gap', 'from', 'as', 'expect', 'expect_align'], 1);
    const ioas = ioasId(r, a, 0);
    const size = a.num('size');
    const uptr = a.num('uptr', 0n);
    // the user pages spanned, whole: iopt_alloc_pages rounds uptr down and the end up
    const span = ((uptr % PAGE) + size + PAGE - 1n) / PAGE * PAGE;
    const pages = span === 0n ? [] : runsOf(layout(r, a, span, a.has('pa') ? a.num('pa') : null), span);
    const prot = IOAS_PROT[a.word('prot', 'rw', Object.keys(IOAS_PROT))] | IOMMU_CACHE;
    const got = r.exec(s, { op: 'ioas_map', ioas, size, iova: a.has('iova') ? a.num('iova') : undefined, uptr, prot, pages }) as { iova: bigint | null; errno: Errno | null };
    r.expect(s, a, errnoOr(got.errno));
    if (got.iova !== null && a.has('as')) r.vars.set(a.word('as'), got.iova);
    if (got.iova !== null && a.has('expect_align')) {
      const align = a.num('expect_align');
      r.check(s, a.posOf('expect_align').column, got.iova % align === 0n, `ioas_map: IOVA ${hex(got.iova)} is not aligned to ${hex(align)}`);
    }
  },
  ioas_unmap(r, s) {
    const a = new Args(r, s, ['iova', 'size', 'expect'], 1);
    const got = r.exec(s, { op: 'ioas_unmap', ioas: ioasId(r, a, 0), iova: a.num('iova'), size: a.num('size') }) as { unmapped: bigint; errno: Errno | null };
    const want = a.value('expect');
    r.expect(s, a, typeof want === 'bigint' && !got.errno ? got.unmapped : errnoOr(got.errno));
  },
  iommufd_bind(r, s) {
    const a = new Args(r, s, ['expect'], 1);
    r.expect(s, a, errnoOr(r.exec(s, { op: 'iommufd_bind', device: a.word(0) }) as Errno | null));
  },
  iommufd_attach(r, s) {
    const a = new Args(r, s, ['ioas', 'hwpt', 'as', 'expect'], 1);
    const device = a.word(0);
    if (a.has('ioas') === a.has('hwpt')) fail(r, s.pos, 'iommufd_attach needs one of ioas= and hwpt=');
    const cmd = a.has('ioas') ? { op: 'iommufd_attach' as const, device, ioas: ioasId(r, a, 'ioas') } : { op: 'iommufd_attach' as const, device, hwpt: r.domain(a, 'hwpt') };
    const got = r.exec(s, cmd) as { domain: number | null; errno: Errno | null };
    nameDomain(r, a, got.domain);
    r.expect(s, a, errnoOr(got.errno));
  },
  iommufd_hwpt_alloc(r, s) {
    const a = new Args(r, s, ['ioas', 'as', 'expect'], 1);
    const got = r.exec(s, { op: 'iommufd_hwpt_alloc', device: a.word(0), ioas: ioasId(r, a, 'ioas') }) as { domain: number | null; errno: Errno | null };
    nameDomain(r, a, got.domain);
    r.expect(s, a, errnoOr(got.errno));
  },
  iommufd_hwpt_destroy(r, s) {
    const a = new Args(r, s, ['expect'], 1);
    r.expect(s, a, errnoOr(r.exec(s, { op: 'iommufd_hwpt_destroy', hwpt: r.domain(a, 0) }) as Errno | null));
  },
  iommufd_detach(r, s) {
    const a = new Args(r, s, ['expect'], 1);
    r.expect(s, a, errnoOr(r.exec(s, { op: 'iommufd_detach', device: a.word(0) }) as Errno | null));
  },
  iommufd_unbind(r, s) {
    const a = new Args(r, s, ['expect'], 1);
    r.expect(s, a, errnoOr(r.exec(s, { op: 'iommufd_unbind', device: a.word(0) }) as Errno | null));
  },
  check_map(r, s) {
    const a = new Args(r, s, ['iova', 'size', 'pa', 'chunk', 'gap', 'from'], 1);
    const pt = r.model.state.pageTables.domains.get(r.domain(a, 0));
    const iova = a.num('iova');
    const size = a.num('size');
    const pa = a.value('pa');
    if (pa === undefined || (typeof pa === 'string' && pa !== 'none')) fail(r, a.posOf('pa'), 'check_map needs pa=ADDR or pa=none');
    const l = typeof pa === 'bigint' ? layout(r, a, size, pa) : null;
    for (let off = 0n; off < size; off += PAGE) {
      const got = pt ? iovaToPhys(pt, iova + off) : null;
      const want = l ? physAt(l, off) : null;
      if (got === want) continue;
      r.check(s, a.posOf('pa').column, false, `check_map: IOVA ${hex(iova + off)} translates to ${got === null ? 'nothing' : hex(got)}, expected ${want === null ? 'nothing' : hex(want)}`);
      return;
    }
    r.check(s, a.posOf('pa').column, true, '');
  },
};
