import { describe, expect, it } from 'vitest';
import { linux61 } from '../profiles/linux-6.1.js';
import { parseWorkload } from './parse.js';
import { runWorkload } from './run.js';

const run = (text: string) => runWorkload(parseWorkload(text, 'w.wl', 'w'), linux61);

describe('workload language', () => {
  it('parses numbers with units, PCI names as words, calls, strings and repeat blocks', () => {
    const w = parseWorkload('# t — demo\nplatform intel-vtd\nprobe 0000:00:08.0 mask=32\nrepeat 2 {\n  dma_map 0000:00:08.0 size=pick(4K, 0x2000) as=p # c\n}\nstep "a # not a comment"\n', 'w.wl', 'w');
    expect(w.description).toBe('demo');
    const [, probe, rep, step] = w.body;
    expect(probe).toMatchObject({ verb: 'probe', args: [{ key: null, value: { k: 'word', text: '0000:00:08.0' } }, { key: 'mask', value: { k: 'num', value: 32n } }] });
    expect(rep).toMatchObject({ k: 'repeat', count: { k: 'num', value: 2n }, body: [{ verb: 'dma_map' }] });
    expect(step).toMatchObject({ verb: 'step', text: 'a # not a comment' });
  });

  it.each([
    ['platform arm-smmu-v3\nrepeat 3 {\n  step x\n', 'w.wl:2:1: repeat block never closed'],
    ['platform arm-smmu-v3\n}\n', 'w.wl:2:1: "}" without an open repeat block'],
    ['platform arm-smmu-v3\nmap d iova=0x1g size=4K\n', 'w.wl:2:12: bad number "0x1g"'],
    ['platform arm-smmu-v3\nmap d iova= size=4K\n', 'w.wl:2:12: missing value after iova='],
    ['platform arm-smmu-v3\ndma_map dev size=rand(1, 2\n', 'w.wl:2:27: expected "," or ")" in rand(…)'],
    ['platform arm-smmu-v3\nrepeat {\n}\n', 'w.wl:2:8: repeat needs a count'],
  ])('a syntax error names file:line:column (%#)', (text, msg) => {
    expect(() => parseWorkload(text, 'w.wl', 'w')).toThrow(msg);
  });

  it.each([
    ['platform sparc-iommu\n', 'w.wl:1:10: unknown platform "sparc-iommu"'],
    ['seed 1\n', 'w.wl:1:1: no "platform" statement'],
    ['platform arm-smmu-v3\nfrobnicate x\n', 'w.wl:2:1: unknown statement "frobnicate"'],
    ['platform arm-smmu-v3\nmap nowhere iova=0 size=4K\n', 'w.wl:2:5: unknown domain "nowhere"'],
    ['platform arm-smmu-v3\nprobe d\ndma_map d size=4K sizee=1\n', 'w.wl:3:19: dma_map takes no sizee='],
    ['platform arm-smmu-v3\nprobe d\ndma_map d size=rand(1)\n', 'w.wl:3:16: rand() takes 2 arguments'],
    ['platform arm-smmu-v3\nprobe d\ndma_unmap d nopool\n', 'w.wl:3:13: unknown pool "nopool"'],
    ['platform arm-smmu-v3\ncpus 2\ncpu 2\n', 'w.wl:3:5: cpu 2: the platform has 2 CPUs'],
    ['platform arm-smmu-v3\nprobe d\nprobe d\n', 'w.wl:3:1: probe d: already probed'],
  ])('a runtime mistake names file:line:column (%#)', (text, msg) => {
    expect(() => run(text)).toThrow(msg);
  });

  it('a failed expectation is reported with its position, not thrown', () => {
    const r = run('platform arm-smmu-v3\ndomain d type=UNMANAGED\nmap d iova=0 size=4K expect=ok\nmap d iova=0 size=4K expect=ok\n');
    expect(r.expectations).toBe(2);
    expect(r.failures).toEqual([{ line: 4, column: 22, message: 'map: expected ok, got EEXIST' }]);
  });

  it('rand() draws afresh each iteration and $i counts iterations', () => {
    const maps: [bigint, bigint][] = [];
    const text = 'platform arm-smmu-v3\ndomain d type=UNMANAGED\nrepeat 8 {\n  map d iova=mul($i, 2M) size=randpow2(4K, 1M)\n}\n';
    runWorkload(parseWorkload(text, 'w.wl', 'w'), linux61, { onEvents: (ev) => ev.forEach((e) => e.type === 'Mapped' && maps.push([e.iova, e.size])) });
    expect(maps.map(([iova]) => iova)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((i) => i * 0x200000n));
    expect(new Set(maps.map(([, size]) => size)).size).toBeGreaterThan(1);
  });
});
