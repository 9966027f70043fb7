import { describe, expect, it } from 'vitest';
import { type BookDomain } from './book.js';
import { Ballot } from './combine.js';

const dom = (id: number): BookDomain => ({ id, type: 'DMA', group: id, doorbell: false, lastActivity: -1, lastConf: 0, fromStart: true });

describe('combining evidence into a placement and its confidence', () => {
  it('with no evidence every candidate is as likely: the confidence is 1/n', () => {
    const d = new Ballot([dom(1), dom(2), dom(3), dom(4)]).decide('recent');
    expect(d.conf).toBeCloseTo(0.25);
    expect(d.how).toBe('recent');
  });

  it('likelihood ratios multiply: 50:1 for one of two domains gives 50/51, named after the kind that separated them', () => {
    const b = new Ballot([dom(1), dom(2)]);
    b.add('phase', 2, Math.log(50));
    b.add('recent', 1, Math.log(1.5));
    const d = b.decide('recent');
    expect(d.domain.id).toBe(2);
    expect(d.conf).toBeCloseTo(50 / (50 + 1.5));
    expect(d.how).toBe('phase');
  });

  it('only what is marked persistent is evidence about the task', () => {
    const b = new Ballot([dom(1), dom(2)]);
    b.add('phase', 1, 2, true);
    b.add('free-iova', 2, -5);
    expect(b.persisted).toEqual([{ kind: 'phase', domain: 1, lr: 2, anchor: true }]);
  });

  it('a repeated anchoring fact weighs again but does not make the placement surer', () => {
    // given two domains, a task's page twice evidence for domain 1, the second time not as an anchor
    const b = new Ballot([dom(1), dom(2)]);
    b.add('device-page', 1, Math.log(100), true);
    b.add('device-page', 1, Math.log(100), true, false);
    // then the posterior has both, the anchors only the first: below the anchor margin of 10 no,
    // above it yes (100 > 10): sure
    const d = b.decide('recent');
    expect(d.conf).toBeCloseTo(10000 / 10001);
    expect(b.persisted.map((p) => p.anchor)).toEqual([true, false]);
    // when the only anchor is weaker than the margin, the confidence stays below 0.9
    const c = new Ballot([dom(1), dom(2)]);
    c.add('device-page', 1, Math.log(3), true);
    c.add('recent', 1, Math.log(1000));
    expect(c.decide('recent').conf).toBeLessThan(0.9);
  });

  it('evidence about a domain that is not a candidate changes nothing', () => {
    const b = new Ballot([dom(1), dom(2)]);
    b.add('phase', 7, 10);
    expect(b.decide('recent').conf).toBeCloseTo(0.5);
  });
});
