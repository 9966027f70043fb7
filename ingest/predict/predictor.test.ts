// The request's pages as the predictor reads them from a map line: the run of its continuation
// lines, unless the unmap at its IOVA says the allocation was another size. An sg list mapped
// with a pause inside it (the heavy 6.12 lazy capture: 43 of 64 pages, 8 ms, then the rest) reads
// as a short run; its unmap frees the whole allocation.
import { describe, expect, it } from 'vitest';
import { linux612 } from '../../kernel/profiles/linux-6.12.js';
import { AllocatorMirror } from './mirror.js';
import { Predictor } from './predictor.js';
import { PredictionScore } from './score.js';

const D = 1;

function predictor(): Predictor {
  return new Predictor(new AllocatorMirror(linux612, 2), new PredictionScore());
}

describe('Predictor.requestPages', () => {
  it('given a run read short of its unmap, when a dma:* event states the call, then the request is the unmap\'s pages', () => {
    expect(predictor().requestPages(D, 43, 1, true, 1000, 64)).toBe(64);
  });

  it('given a run read short of its unmap, without a dma:* event, then the run stands (the unmap may be another domain\'s)', () => {
    expect(predictor().requestPages(D, 43, 1, false, 1000, 64)).toBe(43);
  });

  it('given a stated run and a shorter unmap, then the stated run stands', () => {
    expect(predictor().requestPages(D, 64, 1, true, 1000, 16)).toBe(64);
  });

  it('given an unstated run and a shorter unmap, then the unmap gives the allocation', () => {
    expect(predictor().requestPages(D, 64, 1, false, 1000, 16)).toBe(16);
  });

  it('given no unmap in the window, then the stated run stands', () => {
    expect(predictor().requestPages(D, 43, 1, true, 1000, null)).toBe(43);
  });
});
