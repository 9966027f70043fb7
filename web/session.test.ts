// The page seeks with the command line's Timeline: states equal a replay from zero, from the
// states its load pass offered the Timeline (one per PIN_SPACING events at block ends), whether
// the journal has checkpoints or not. A domain that does not exist is a 404 in the command
// line's words.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng, syntheticJournal } from '../bench/synthetic.js';
import { runCli } from '../cli/test-support/run-cli.js';
import { evolveBatch, initialState, stateHash } from '../reducers/index.js';
import { JournalWriter, PIN_SPACING } from '../replay/index.js';
import { createUiServer } from './server.js';
import { UiSession } from './session.js';
import { journalStore, memoryStore } from './store.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const EVENTS = syntheticJournal(20_000, 5, 3);
const dir = scratchDir('ij-session-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const replayTo = (seq: number) => stateHash(evolveBatch(initialState(), EVENTS.slice(0, seq + 1)));

describe('the page seeks with the Timeline', () => {
  it('a recorded run (with checkpoints) seeks through the Timeline to the replayed state', () => {
    const s = UiSession.load(memoryStore('synthetic', null, EVENTS, 1000));
    try {
      expect(s.tl.checkpointCount).toBeGreaterThan(3);
      const r = rng(3);
      for (const seq of [-1, 0, 19_999, ...Array.from({ length: 6 }, () => Math.floor(r() * 20_000))]) {
        const before = s.tl.stats.eventsReplayed;
        expect(stateHash(s.stateAt(seq)), `seq ${seq}`).toBe(replayTo(seq));
        expect(s.tl.stats.eventsReplayed - before).toBeLessThanOrEqual(2 * PIN_SPACING);
      }
    } finally {
      s.store.close();
    }
  });

  it('a journal written without checkpoints seeks from the states the load pass offered', () => {
    const path = join(dir, 'bare.journal');
    const w = JournalWriter.create(path, { blockEvents: 1000 });
    w.append(EVENTS);
    w.close();
    const s = UiSession.load(journalStore(path, path));
    try {
      expect(s.tl.checkpointCount).toBe(0);
      // offered at the end of each 1000-event block, kept when PIN_SPACING past the last one kept
      expect(s.tl.pinnedCount).toBe(10);
      const r = rng(4);
      for (const seq of Array.from({ length: 6 }, () => Math.floor(r() * 20_000))) {
        const before = s.tl.stats.eventsReplayed;
        expect(stateHash(s.stateAt(seq)), `seq ${seq}`).toBe(replayTo(seq));
        expect(s.tl.stats.eventsReplayed - before).toBeLessThanOrEqual(2 * PIN_SPACING);
      }
    } finally {
      s.store.close();
    }
  });

  it('a domain that does not exist is a 404 with the command line’s message', async () => {
    const path = join(dir, 'd.journal');
    const w = JournalWriter.create(path, { blockEvents: 1000 });
    w.append(EVENTS.slice(0, 3000));
    w.close();
    const cli = await runCli(['state', path, '--domain', '999999']);
    expect(cli.code).toBe(2);
    const message = cli.err.replace(/^iommu-journal: /, '').trim();
    expect(message).toMatch(/^domain 999999: no such domain at event #2999 \(domains: /);
    const ui = await createUiServer({ stores: [journalStore(path, path)], port: 0 });
    try {
      for (const q of ['iova', 'pagetable', 'who?page=1&', 'translate?iova=0x1000&']) {
        const url = `${ui.url}api/${q.includes('?') ? q : q + '?'}domain=999999`;
        const res = await fetch(url);
        expect(res.status, q).toBe(404);
        expect(((await res.json()) as { error: string }).error).toBe(message);
      }
      expect((await fetch(`${ui.url}api/iova?domain=1`)).status).toBe(200);
    } finally {
      await ui.close();
      for (const r of ui.sessions) r.store.close();
    }
  });
});
