// A checkpoint restores to exactly the state it was taken from: same hash as a replay from zero
// at every cut of every workload, and a replay resumed from it ends where a replay from zero
// ends. Checkpoints written before the compact form still restore.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticJournal } from '../bench/synthetic.js';
import { type IommuEvent, packValue } from '../domain-events/index.js';
import { applySwitches, type Switches } from '../kernel/profile.js';
import { getProfile } from '../kernel/profiles/index.js';
import { loadWorkload, runWorkload } from '../kernel/workload/index.js';
import { checkpointSections, evolveBatch, initialState, snapshotState, type State, stateHash } from '../reducers/index.js';
import { decodeCheckpointPayload, deltaBaseOf, encodeCheckpointPayload, encodeDeltaPayload, isCompactCheckpoint } from './checkpoint-payload.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'workloads');
/** the slices with a compact form: they must never fall back to msgpack on real states */
const COMPACT = ['iova', 'pageTables', 'dmaApi'];

function simulate(workload: string, profile: string, switches: Switches = {}): IommuEvent[] {
  const all: IommuEvent[] = [];
  runWorkload(loadWorkload(workload, DIR), applySwitches(getProfile(profile), switches), { onEvents: (ev) => all.push(...ev) });
  return all;
}

function roundTrip(s: State): State {
  return decodeCheckpointPayload(encodeCheckpointPayload(s));
}

function replay(events: readonly IommuEvent[], from: State, batch: number): State {
  let s = from;
  for (let i = 0; i < events.length; i += batch) s = evolveBatch(s, events.slice(i, i + batch));
  return s;
}

/**
 * Cuts the run every `batch` events and checkpoints each cut the way a recorder does: a full
 * checkpoint every fourth cut, deltas against the previous cut between. Every restored state
 * hashes like the replayed one; every `resumeEvery`-th cut, the rest replayed from the restored
 * state ends where the whole replay does.
 */
function checkEveryCut(events: readonly IommuEvent[], batch: number, resumeEvery: number): number {
  const finalHash = stateHash(replay(events, initialState(), batch));
  const payloads: Buffer[] = [];
  const restore = (k: number): State => decodeCheckpointPayload(payloads[k], (at) => restore(at.offset));
  let s = initialState();
  let prev = s;
  let cuts = 0;
  for (let i = 0; i < events.length; i += batch) {
    s = evolveBatch(s, events.slice(i, i + batch));
    const full = cuts % 4 === 0;
    // the "offset" of a payload is its index here; the journal reader resolves real offsets
    payloads.push(full ? encodeCheckpointPayload(s) : encodeDeltaPayload(prev, s, { offset: cuts - 1, firstSeq: i }));
    const sections = checkpointSections(inflateRawSync(payloads[cuts].subarray(full ? 5 : 21)));
    for (const name of COMPACT) expect(sections.find((x) => x.slice === name)?.how, `${name} at ${i + batch}`).toMatch(full ? /^compact$/ : /^(delta|same)$/);
    const back = restore(cuts);
    expect(stateHash(back), `cut after ${i + batch} events (${full ? 'full' : 'delta'})`).toBe(stateHash(s));
    if (cuts % resumeEvery === 0 || cuts % resumeEvery === 1) expect(stateHash(replay(events.slice(i + batch), back, 37)), `resumed after ${i + batch}`).toBe(finalHash);
    prev = s;
    cuts++;
  }
  return cuts;
}

describe('checkpoint payload', () => {
  const runs: [string, string, Switches][] = [];
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.wl'))) {
    const w = f.slice(0, -3);
    runs.push([w, 'linux-6.1', { lazy: true }], [w, 'linux-6.12', {}]);
  }
  runs.push(['vfio-msi', 'auger-2016-v7', {}], ['nested-msi', 'nested-2023', {}], ['sva-pasid', 'ioasid-2019', {}], ['nvme', 'murphy-2015', {}]);

  it.each(runs)('restores the replayed state at every cut: %s under %s %o', (w, profile, switches) => {
    const events = simulate(w, profile, switches);
    expect(checkEveryCut(events, Math.max(1, Math.ceil(events.length / 150)), 15)).toBeGreaterThan(10);
  });

  it('restores the replayed state at random cuts of a long synthetic stream, full and as a delta of an earlier cut (seeded)', () => {
    const events = syntheticJournal(30_000, 7, 6);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: events.length }), fc.integer({ min: 0, max: 5000 }), (cut, back) => {
        const base = replay(events.slice(0, Math.max(0, cut - back)), initialState(), 1024);
        const s = replay(events.slice(Math.max(0, cut - back), cut), base, 256);
        const full = roundTrip(s);
        expect(stateHash(full)).toBe(stateHash(s));
        const delta = decodeCheckpointPayload(encodeDeltaPayload(base, s, { offset: 0, firstSeq: Math.max(0, cut - back) }), () => roundTrip(base));
        expect(stateHash(delta)).toBe(stateHash(s));
        const next = events.slice(cut, cut + 3000);
        expect(stateHash(evolveBatch(delta, next))).toBe(stateHash(evolveBatch(s, next)));
        expect(stateHash(evolveBatch(full, next))).toBe(stateHash(evolveBatch(s, next)));
      }),
      { seed: 6, numRuns: 40 },
    );
  });

  it('the state of every slice, not only the hashed fields, comes back', () => {
    const events = simulate('nvme', 'linux-6.1', { lazy: true });
    const s = replay(events, initialState(), 500);
    // the plain snapshot covers every field a slice keeps (the hash could miss one)
    expect(packValue(snapshotState(roundTrip(s)))).toEqual(packValue(snapshotState(s)));
  });

  it('reads a checkpoint written before the compact form (deflated msgpack of the snapshot)', () => {
    const s = replay(simulate('virtio-blk', 'linux-6.12'), initialState(), 100);
    const legacy = deflateRawSync(packValue(snapshotState(s)), { level: 1 });
    expect(isCompactCheckpoint(legacy)).toBe(false);
    expect(stateHash(decodeCheckpointPayload(legacy))).toBe(stateHash(s));
    expect(isCompactCheckpoint(encodeCheckpointPayload(s))).toBe(true);
  });

  it('a value the compact form cannot hold exactly sends its slice to msgpack, still exact', () => {
    const s = replay(simulate('nic', 'linux-6.12'), initialState(), 100);
    const name = Object.keys(s.dmaApi.devices)[0];
    const odd = { ...s, dmaApi: { devices: { ...s.dmaApi.devices, [name]: { ...s.dmaApi.devices[name], liveBytes: 0.5 } } } } as State;
    const payload = encodeCheckpointPayload(odd);
    const sections = checkpointSections(inflateRawSync(payload.subarray(5)));
    expect(sections.find((x) => x.slice === 'dmaApi')?.how).toBe('snapshot');
    expect(sections.find((x) => x.slice === 'iova')?.how).toBe('compact');
    const back = decodeCheckpointPayload(payload);
    expect(back.dmaApi.devices[name].liveBytes).toBe(0.5);
    expect(stateHash(back)).toBe(stateHash(odd));
  });

  it('a damaged or foreign compact payload is an error naming what is wrong, not a wrong state', () => {
    const s = replay(simulate('nic', 'linux-6.12'), initialState(), 100);
    const good = encodeCheckpointPayload(s);
    const newer = Buffer.from(good);
    newer[4] = 9;
    expect(() => decodeCheckpointPayload(newer)).toThrow(/compact checkpoint kind 9 is not supported/);
    const body = inflateRawSync(good.subarray(5));
    const cut = Buffer.concat([good.subarray(0, 5), deflateRawSync(body.subarray(0, body.length - 7))]);
    expect(() => decodeCheckpointPayload(cut)).toThrow(/checkpoint/);
    const junk = Buffer.concat([good.subarray(0, 5), deflateRawSync(Buffer.from('not a checkpoint at all'))]);
    expect(() => decodeCheckpointPayload(junk)).toThrow(/checkpoint/);
    const later = replay(simulate('nic', 'linux-6.12').slice(0, 3000), s, 100);
    const delta = encodeDeltaPayload(s, later, { offset: 1234, firstSeq: 77 });
    expect(deltaBaseOf(delta)).toEqual({ offset: 1234, firstSeq: 77 });
    expect(deltaBaseOf(good)).toBeNull();
    expect(() => decodeCheckpointPayload(delta)).toThrow(/delta checkpoint \(against the one at offset 1234\)/);
    // applied to another state than its base: the maps come out the wrong size
    expect(() => decodeCheckpointPayload(delta, () => initialState())).toThrow(/base/);
  });
});
