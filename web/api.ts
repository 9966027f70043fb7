// The JSON API the page calls. Each answer is small: what one panel shows at one point. All
// parameters are checked (Params); a bad one is an InputError, which the server turns into 400.
import { type Finding } from '../checks/finding.js';
import { type EventType, type IommuEvent, InputError } from '../domain-events/index.js';
import { deviceStats, domainIds, domainStats, doorbellViews, iovaToPhys, pasidView } from '../projections/index.js';
import { type DiffReport } from '../replay/diff-report.js';
import { requireDomain } from '../replay/domain-lookup.js';
import { type State } from '../reducers/index.js';
import { iovaWindow } from './iova-window.js';
import { CATEGORIES } from './load.js';
import { pageTableTable } from './pagetable-tree.js';
import { type Params } from './params.js';
import { type UiSession } from './session.js';

export interface ApiContext {
  readonly runs: readonly UiSession[];
  /** findings per run, when checks were given */
  readonly findings: readonly (readonly Finding[])[] | null;
  readonly diff: DiffReport | null;
  readonly redacted: boolean;
  /** why findings or diff are missing, for the page to say */
  readonly notes: readonly string[];
}

const ALLOC_TYPES: ReadonlySet<EventType> = new Set(['IovaAllocated', 'IovaRangeReserved'] as const);
const MAP_TYPES: ReadonlySet<EventType> = new Set(['Mapped'] as const);

/** highest address the IOVA picture can show: 2^52 pages of 4 KiB (64-bit space) */
const MAX_PAGE = 2 ** 52 - 1;

function domainOf(e: IommuEvent | null): number | null {
  const d = e ? (e as { domain?: unknown }).domain : null;
  return typeof d === 'number' ? d : null;
}

function stateView(r: UiSession, s: State, seq: number) {
  const ev = seq >= 0 ? r.event(seq) : null;
  return {
    seq,
    ts: ev?.ts ?? null,
    event: ev,
    phase: s.timeline.phase,
    groups: Object.values(s.topology.groups).map((g) => ({ id: g.id, devices: g.devices })),
    devices: deviceStats(s),
    domains: domainIds(s).map((id) => {
      const t = s.topology.domains[id];
      const iov = s.iova.domains.get(id);
      return { ...domainStats(s, id), fmt: t?.fmt ?? null, hasIova: !!iov, granule: iov?.granule ?? null, startPfn: iov?.startPfn ?? null, dma32bitPfn: iov?.dma32bitPfn ?? null, aperture: t ? [t.apertureStart, t.apertureEnd] : null };
    }),
    doorbells: doorbellViews(s),
    pasids: pasidView(s, 200),
  };
}

function run(ctx: ApiContext, p: Params): UiSession {
  return ctx.runs[p.int('run', { min: 0, max: ctx.runs.length - 1, def: 0 })];
}

/** The state after `seq`, when the `domain` asked for exists there (else a 404, in the CLI's words). */
function stateWithDomain(r: UiSession, seq: number, p: Params): State {
  const s = r.stateAt(seq);
  requireDomain(s, p.int('domain', { min: 0 }), seq);
  return s;
}

function seqOf(r: UiSession, p: Params): number {
  return p.int('seq', { min: -1, max: r.lastSeq, def: r.lastSeq });
}

export const API_NAMES: ReadonlySet<string> = new Set(['info', 'timeline', 'state', 'event', 'events', 'seek', 'iova', 'pagetable', 'translate', 'stats', 'history', 'who', 'findings', 'diff']);

export function handleApi(ctx: ApiContext, name: string, p: Params): unknown {
  switch (name) {
    case 'info':
      return {
        runs: ctx.runs.map((r) => ({ input: r.store.input, profile: r.store.profile, events: r.events, lastSeq: r.lastSeq, firstTs: r.index.blockTs[0]?.first ?? null, lastTs: r.index.blockTs[r.index.blockTs.length - 1]?.last ?? null, problems: r.store.problems })),
        categories: CATEGORIES,
        checks: ctx.findings !== null,
        diff: ctx.diff !== null,
        redacted: ctx.redacted,
        notes: ctx.notes,
      };
    case 'timeline': {
      const r = run(ctx, p);
      const from = p.int('from', { min: 0, max: r.lastSeq, def: 0 });
      const to = p.int('to', { min: from, max: r.lastSeq, def: r.lastSeq });
      const t = r.timeline(from, to, p.int('buckets', { min: 1, max: 4096, def: 800 }));
      const runIdx = ctx.runs.indexOf(r);
      const marks = (ctx.findings?.[runIdx] ?? []).filter((f) => f.seq >= from && f.seq <= to).slice(0, 5000).map((f) => ({ seq: f.seq, severity: f.severity }));
      return { ...t, markers: r.index.markers.filter((m) => m.seq >= from && m.seq <= to).slice(0, 2000), findings: marks };
    }
    case 'state': {
      const r = run(ctx, p);
      const seq = seqOf(r, p);
      return stateView(r, r.stateAt(seq), seq);
    }
    case 'event': {
      const r = run(ctx, p);
      return r.event(p.int('seq', { min: 0, max: r.lastSeq }));
    }
    case 'events': {
      const r = run(ctx, p);
      return { events: r.eventsPage(p.int('from', { min: 0, max: r.lastSeq }), p.int('count', { min: 1, max: 1000, def: 100 })) };
    }
    case 'seek': {
      const r = run(ctx, p);
      return r.seekTs(p.int('ts', { min: 0 }));
    }
    case 'iova': {
      const r = run(ctx, p);
      const seq = seqOf(r, p);
      const lo = p.int('lo', { min: 0, max: MAX_PAGE, def: 0 });
      const hi = p.int('hi', { min: lo, max: MAX_PAGE, def: 2 ** 36 - 1 });
      return { seq, ...iovaWindow(stateWithDomain(r, seq, p), p.int('domain', { min: 0 }), lo, hi, p.int('limit', { min: 1, max: 5000, def: 2000 }), p.int('cols', { min: 1, max: 4096, def: 1000 })) };
    }
    case 'pagetable': {
      const r = run(ctx, p);
      const seq = seqOf(r, p);
      return { seq, ...pageTableTable(stateWithDomain(r, seq, p), p.int('domain', { min: 0 }), p.has('level') ? p.int('level', { min: 0, max: 3 }) : null, p.has('iova') ? p.u64('iova') : 0n) };
    }
    case 'translate': {
      const r = run(ctx, p);
      const seq = seqOf(r, p);
      const domain = p.int('domain', { min: 0 });
      const iova = p.u64('iova');
      const pt = stateWithDomain(r, seq, p).pageTables.domains.get(domain);
      return { seq, domain, iova, phys: pt ? iovaToPhys(pt, iova) : null };
    }
    case 'stats':
      return run(ctx, p).index.stats;
    case 'history': {
      const r = run(ctx, p);
      const space = p.oneOf('space', ['iova', 'phys'] as const);
      const addr = p.u64('addr');
      const domain = space === 'iova' ? p.int('domain', { min: 0 }) : null;
      const h = r.history(space, Number(addr >> 12n), domain, p.int('limit', { min: 1, max: 2000, def: 500 }), p.has('seq') ? seqOf(r, p) : undefined);
      return { space, addr, domain, ...h };
    }
    case 'who': {
      // who allocated the IOVA range holding a page, as of seq: the latest allocation before it
      const r = run(ctx, p);
      const seq = seqOf(r, p);
      const domain = p.int('domain', { min: 0 });
      stateWithDomain(r, seq, p);
      const page = p.int('page', { min: 0, max: MAX_PAGE });
      return { seq, domain, alloc: r.lastTouch(page, domain, seq, ALLOC_TYPES), map: r.lastTouch(page, domain, seq, MAP_TYPES) };
    }
    case 'findings': {
      if (!ctx.findings) return { available: false, findings: [] };
      const r = run(ctx, p);
      const list = ctx.findings[ctx.runs.indexOf(r)] ?? [];
      return { available: true, total: list.length, findings: list.slice(0, 5000) };
    }
    case 'diff': {
      if (!ctx.diff || ctx.runs.length < 2) return { available: false };
      const d = ctx.diff.firstDivergence;
      // both columns put their diverging event on the same row
      const before = Math.min(8, d?.seqA ?? 8, d?.seqB ?? 8);
      const around = (r: UiSession, seq: number | null) => {
        const at = seq === null ? r.lastSeq : Math.min(seq, r.lastSeq);
        const events = r.eventsPage(Math.max(0, at - before), before + 9);
        const ev = at >= 0 ? r.event(at) : null;
        const dom = domainOf(ev) ?? domainIds(r.stateAt(at)).find((id) => r.stateAt(at).iova.domains.get(id)) ?? null;
        return { seq: at, domain: dom, events };
      };
      return { available: true, report: ctx.diff, a: around(ctx.runs[0], d?.seqA ?? null), b: around(ctx.runs[1], d?.seqB ?? null) };
    }
    default:
      throw new InputError(`/api/${name}: no such query`);
  }
}
