// The DMA-API slice's compact checkpoint form: restored lazily (a leaf's entries are decoded when
// first used), yet every damage is found when the checkpoint is read, and what comes back is
// the state that was written.
import { describe, expect, it } from 'vitest';
import { syntheticJournal } from '../bench/synthetic.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { decodeDmaApi, encodeDmaApi } from './checkpoint-dma-api.js';
import { type DmaApiState } from './dma-api.js';
import { evolveBatch, initialState } from './root.js';

function written(): { s: DmaApiState; body: Uint8Array } {
  const s = evolveBatch(initialState(), syntheticJournal(20_000, 3, 4)).dmaApi;
  const w = new ByteWriter();
  encodeDmaApi(s, w);
  return { s, body: w.finish().slice() };
}

function entriesOf(s: DmaApiState): unknown[] {
  // the fields a device record holds (not the Tx tag of the batch that made it)
  return Object.values(s.devices).map((d) => ({ device: d.device, count: d.count, liveBytes: d.liveBytes, maps: d.maps, unmaps: d.unmaps, unmatched: d.unmatched, live: d.live.entries() }));
}

describe('DMA-API checkpoint form', () => {
  it('gives back every device and entry, read in any order', () => {
    // given a state with live entries in several devices, written compactly
    const { s, body } = written();
    expect(Object.values(s.devices).reduce((n, d) => n + d.count, 0)).toBeGreaterThan(100);
    // when it is read back and one entry is looked up before the rest are walked
    const back = decodeDmaApi(new ByteReader(body));
    const [name, dev] = Object.entries(s.devices)[1];
    const k = dev.live.keys()[Math.floor(dev.live.size / 2)];
    expect(back.devices[name].live.get(k)).toEqual(dev.live.get(k));
    // then every device, counter and entry is the one written
    expect(entriesOf(back)).toEqual(entriesOf(s));
  });

  it('finds a body cut short anywhere when it is read, not when an entry is first used', () => {
    const { body } = written();
    for (let cut = 0; cut < body.length; cut += Math.max(1, Math.floor(body.length / 997)))
      expect(() => decodeDmaApi(new ByteReader(body.subarray(0, cut))), `cut at ${cut}`).toThrow(/checkpoint data/);
  });
});
