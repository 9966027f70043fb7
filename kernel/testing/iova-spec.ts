// given / when / then for iova.c rules: fold the given events through the real reducers, run a
// decision on that state, compare the events it emits (payloads only; the envelope is provenance).
import { envelopeFields, type IommuEvent } from '../../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../../reducers/index.js';
import { IovaCtx } from '../iova/index.js';
import { type Profile } from '../profile.js';

export function payload(e: IommuEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!(k in envelopeFields)) out[k] = v;
  return out;
}

export interface Spec {
  when(fn: (ctx: IovaCtx) => unknown, cpu?: number): { then(expected: Partial<Record<string, unknown>>[]): void; events: IommuEvent[]; result: unknown; state: State };
}

export function iovaSpec(profile: Profile, domain = 1) {
  return (given: (ctx: IovaCtx) => void | IommuEvent[]): Spec => {
    let state = initialState();
    const g0 = IovaCtx.forDomain(state.iova, domain, profile, { cmd: 'given' });
    const pre = given(g0);
    state = evolveBatch(state, pre ?? g0.events);
    return {
      when(fn, cpu = 0) {
        const ctx = IovaCtx.forDomain(state.iova, domain, profile, { cmd: 'when', cpu });
        const result = fn(ctx);
        const after = evolveBatch(state, ctx.events);
        return {
          events: ctx.events,
          result,
          state: after,
          then(expected) {
            const got = ctx.events.map(payload);
            if (got.length !== expected.length) throw new Error(`expected ${expected.length} events, got ${got.length}: ${JSON.stringify(got, big)}`);
            expected.forEach((exp, i) => {
              for (const [k, v] of Object.entries(exp))
                if (JSON.stringify(got[i][k], big) !== JSON.stringify(v, big))
                  throw new Error(`event ${i} (${String(got[i].type)}): ${k} expected ${JSON.stringify(v, big)}, got ${JSON.stringify(got[i][k], big)}`);
            });
          },
        };
      },
    };
  };
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
