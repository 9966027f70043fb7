// The import progress bar: events per second and the time left on a terminal, nothing elsewhere.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar, progressText, RateMeter, shortCount, shortDuration } from './progress.js';

function fakeStream(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (c: Buffer) => (out += c.toString()));
  Object.assign(s, { isTTY: tty, columns: 160, rows: 40 });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

describe('progress', () => {
  it('measures events and bytes per second over its window', () => {
    const m = new RateMeter(5000);
    expect(m.rates()).toBeNull();
    for (let t = 0; t <= 10_000; t += 250) m.sample(t, t * 1000, t * 50);
    const r = m.rates()!;
    expect(r.eventsPerSec).toBeCloseTo(50_000, 0);
    expect(r.bytesPerSec).toBeCloseTo(1_000_000, 0);
  });

  it('says how far, how fast and how long still', () => {
    expect(progressText(25, 100, 1234, null)).toBe('25% | 1234 events | measuring speed…');
    expect(progressText(40e6, 100e6, 2_000_000, { bytesPerSec: 10e6, eventsPerSec: 512_000 })).toBe('40% | 2.00 M events | 512.0 k events/s | 6s left');
    expect(progressText(0, 100, undefined, { bytesPerSec: 0, eventsPerSec: 0 })).toBe('0% | stalled');
    expect(shortCount(999)).toBe('999');
    expect(shortDuration(125)).toBe('2m05s');
    expect(shortDuration(3725)).toBe('1h02m');
  });

  it('draws on a terminal: the rate and the time left appear once measured', () => {
    const { stream, text } = fakeStream(true);
    let now = 0;
    const bar = progressBar('importing x', false, { stream, ci: false, now: () => now });
    for (let i = 1; i <= 20; i++) {
      now = i * 150;
      bar.update(i * 1000, 40_000, i * 500);
    }
    bar.stop();
    expect(text()).toMatch(/importing x \[.*\] \d+% \| [\d.]+ k events \| [\d.]+ (k )?events\/s \| \d+s left/);
  });

  it('writes nothing when quiet (--json), on a pipe, or under CI', () => {
    for (const [tty, quiet, ci] of [
      [true, true, false],
      [false, false, false],
      [true, false, true],
    ] as const) {
      const { stream, text } = fakeStream(tty);
      const bar = progressBar('importing x', quiet, { stream, ci, now: () => 0 });
      bar.update(10, 100, 5);
      bar.stop();
      expect(text()).toBe('');
    }
  });
});
