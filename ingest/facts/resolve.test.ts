import { describe, expect, it } from 'vitest';
import { isInputError } from '../../domain-events/index.js';
import { type CaptureInfo, readCapture } from '../capture.js';
import { newHeader } from '../ftrace/parse.js';
import { factsFor } from './index.js';
import { type TraceObservations } from './observe.js';
import { resolveFacts } from './resolve.js';
import { majorMinor, releaseProfiles } from './release.js';

const BARE: CaptureInfo = {
  folder: null,
  trace: 'trace.txt',
  name: 'trace.txt',
  arch: null,
  kernel: null,
  cmdline: null,
  strict: null,
  passthrough: false,
  forcedac: false,
  forcedStrict: false,
  groups: [],
  ram: [],
  pciWindows: [],
  cpus: null,
  traceClock: null,
  dmesg: '',
  platformRegions: [],
  doorbellPages: [],
};

/** a trace that shows nothing, and what `o` adds */
function shows(o: Partial<TraceObservations> = {}): TraceObservations {
  return {
    records: 100,
    whole: true,
    reuse: { pairs: 0, reused: 0, llr: 0, mode: null },
    arch: { arch: null, clue: null, conflict: null },
    doorbellPages: [],
    kernel: { dma: null, dmaLine: null, detachLine: null },
    header: newHeader(),
    cpusSeen: 1,
    groupLines: false,
    ...o,
  };
}
const STRICT = { pairs: 50, reused: 50, llr: 80, mode: 'strict' as const };
const LAZY = { pairs: 50, reused: 0, llr: -29, mode: 'lazy' as const };
const X86 = { arch: 'x86_64' as const, clue: { arch: 'x86_64' as const, why: 'the VT-d ISA-bridge identity map of [0, 16 MiB) at line 24', line: 24 }, conflict: null };
const DMA612 = { dma: '6.12' as const, dmaLine: 12, detachLine: null };
const newest = () => releaseProfiles()[releaseProfiles().length - 1];

describe('facts of a bare trace', () => {
  it('a trace that shows nothing: the default release and strict assumed, the architecture and reserved regions unknown, each said', () => {
    const r = resolveFacts(BARE, {}, shows());
    expect(r.profile.name).toBe('linux-6.12');
    expect(r.facts.kernel).toMatchObject({ how: 'assumed' });
    expect(r.facts.fq).toMatchObject({ value: 'strict', how: 'assumed' });
    expect(r.facts.arch).toMatchObject({ value: null, how: 'unknown' });
    expect(r.facts.reservedRegions.how).toBe('unknown');
    expect(r.assumed).toContain('linux-6.12 (the trace names no kernel and shows no event that tells one: pass --kernel)');
    expect(r.assumed.some((a) => /^strict \(.*pass --lazy or --strict\)$/.test(a))).toBe(true);
    expect(r.unknown.some((u) => /^the architecture .*pass --arch x86\|arm64/.test(u))).toBe(true);
    expect(r.unknown.some((u) => /^the reserved regions .*pass --groups FILE or --arch/.test(u))).toBe(true);
    expect(r.warnings).toEqual([]);
    // an assumed kernel is not handed to attribution as if it were read
    expect(r.capture.kernel).toBeNull();
  });

  it('dma:* events: a 6.12 kernel, inferred, and its exact release said to be unknown', () => {
    const r = resolveFacts(BARE, {}, shows({ kernel: DMA612 }));
    expect(r.facts.kernel).toMatchObject({ value: '6.12', how: 'inferred', source: 'dma:* events (line 12)' });
    expect(r.profile.name).toBe('linux-6.12');
    expect(r.capture.kernel).toBe('6.12');
    expect(r.assumed[0]).toMatch(/^linux-6\.12 \(the trace's dma:\* events, from line 12, exist from Linux 6\.12 on.*pass --kernel\)$/);
    expect(r.facts.dmaEvents).toMatchObject({ value: true });
  });

  it('detach_device_from_domain events: a kernel that still has them (6.1)', () => {
    const r = resolveFacts(BARE, {}, shows({ kernel: { dma: null, dmaLine: null, detachLine: 40 } }));
    expect(r.profile.name).toBe('linux-6.1');
    expect(r.facts.kernel.how).toBe('inferred');
  });

  it('7.x dma:* names: the first profile after 6.12', () => {
    const r = resolveFacts(BARE, {}, shows({ kernel: { dma: '7.x', dmaLine: 5, detachLine: null } }));
    expect(majorMinor(r.profile.kernel)![0]).toBeGreaterThanOrEqual(7);
  });

  it('lazy, strict and the architecture as the trace shows them; the platform regions follow the architecture', () => {
    const r = resolveFacts(BARE, {}, shows({ reuse: LAZY, arch: X86, header: { ...newHeader(), cpus: 2, source: 'tracefs' } }));
    expect(r.facts.fq).toMatchObject({ value: 'lazy', how: 'inferred' });
    expect(r.profile.name).toBe('linux-6.12+lazy');
    expect(r.capture.strict).toBe(false);
    expect(r.facts.arch).toMatchObject({ value: 'x86_64', how: 'inferred', source: X86.clue.why });
    expect(r.capture.platformRegions).toEqual([{ start: 0xfee00000n, end: 0xfeefffffn, kind: 'msi' }]);
    expect(r.facts.reservedRegions).toMatchObject({ value: 'x86 VT-d', how: 'assumed' });
    expect(r.assumed.some((a) => a.startsWith('the reserved regions of an x86 VT-d platform for every group (msi 0xfee00000-0xfeefffff)'))).toBe(true);
    expect(r.facts.cpus).toMatchObject({ value: 2, how: 'read' });
    expect(r.capture.cpus).toBe(2);
  });

  it("what a trace.dat states (its uname): the kernel and the architecture, read", () => {
    const header = { ...newHeader(), source: 'trace.dat' as const, kernel: '6.12.117+deb12-amd64', machine: 'x86_64', cpus: 2 };
    const r = resolveFacts(BARE, {}, shows({ header, reuse: STRICT }));
    expect(r.facts.kernel).toMatchObject({ value: '6.12.117+deb12-amd64', how: 'read', source: 'the trace.dat uname' });
    expect(r.facts.arch).toMatchObject({ value: 'x86_64', how: 'read', source: 'the trace.dat uname' });
    expect(r.facts.cpus).toMatchObject({ value: 2, how: 'read' });
    expect(r.capture.kernel).toBe('6.12.117+deb12-amd64');
  });

  it('event layouts the reader took from the kernel header are said to be assumed', () => {
    const header = { ...newHeader(), source: 'trace-cmd-report' as const, assumedLayouts: ['dma_map_sg: include/trace/events/dma.h (6.12)'] };
    const r = resolveFacts(BARE, {}, shows({ header }));
    expect(r.assumed).toContain('the field layout of dma_map_sg (from include/trace/events/dma.h (6.12): the trace carries no format for it and prints its fields raw)');
  });

  it('CPUs: the header, else the highest CPU a line names (said), else one (said)', () => {
    const seen = resolveFacts(BARE, {}, shows({ cpusSeen: 4 }));
    expect(seen.facts.cpus).toMatchObject({ value: 4, how: 'inferred' });
    expect(seen.assumed).toContain('4 CPUs (the highest CPU a line names; the header does not say)');
    expect(resolveFacts(BARE, {}, shows({ cpusSeen: 0 })).facts.cpus).toMatchObject({ value: 1, how: 'assumed' });
  });
});

describe('flags', () => {
  it('override what the trace shows, and a contradiction is a warning naming both', () => {
    const r = resolveFacts(BARE, { kernel: '6.1', fq: 'lazy', arch: 'arm64' }, shows({ kernel: DMA612, reuse: STRICT, arch: X86 }));
    expect(r.profile.name).toBe('linux-6.1+lazy');
    expect(r.facts.kernel).toMatchObject({ value: '6.1', how: 'given', source: '--kernel' });
    expect(r.capture.arch).toBe('arm64');
    expect(r.capture.platformRegions).toEqual([{ start: 0x8000000n, end: 0x80fffffn, kind: 'msi' }]);
    expect(r.warnings).toEqual([
      '--kernel 6.1 contradicts the trace: it has dma:* events (line 12), which exist from Linux 6.12; following --kernel',
      `--arch arm64 contradicts the trace: ${X86.clue.why}, which shows x86; following --arch`,
      '--lazy contradicts the trace: 50 of 50 unmap→map pairs (same CPU, same size, within 1 ms) got the IOVA just unmapped (odds above 10^34 to 1), which shows strict; following --lazy',
    ]);
  });

  it('--kernel newer than every profile takes the newest and says so; one between two the nearest of its line; an older one the oldest', () => {
    const r = resolveFacts(BARE, { kernel: '99.1' }, shows());
    expect(r.profile.name).toBe(newest().name);
    expect(r.assumed[0]).toMatch(/kernel 99\.1 is newer than every profile/);
    const mid = resolveFacts(BARE, { kernel: '6.6.30' }, shows());
    expect(mid.profile.name).toBe('linux-6.1');
    expect(mid.assumed[0]).toMatch(/no profile follows kernel 6\.6/);
    const old = resolveFacts(BARE, { kernel: '4.19' }, shows());
    expect(old.profile.name).toBe(releaseProfiles()[0].name);
    expect(old.assumed[0]).toMatch(/kernel 4\.19 is older than every profile/);
  });

  it('--kernel that names no release is bad input', () => {
    let err: unknown;
    try {
      resolveFacts(BARE, { kernel: 'latest' }, shows());
    } catch (e) {
      err = e;
    }
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/--kernel "latest": not a kernel release/);
  });

  it('--groups gives the groups, their regions and (every DMA group alike) lazy or strict; against a capture it warns', () => {
    const r = resolveFacts(BARE, { groups: 'fixtures/groups/x86-q35-vtd-vfio-612.sysfs.txt' }, shows());
    expect(r.facts.groups).toMatchObject({ value: '6 groups', how: 'given' });
    expect(r.facts.reservedRegions.how).toBe('given');
    expect(r.capture.groups).toHaveLength(6);
    expect(r.facts.fq).toMatchObject({ value: 'strict', how: 'read' });
    expect(r.unknown.some((u) => u.startsWith('the reserved regions'))).toBe(false);
    const cap = readCapture('fixtures/traces/arm64-virt-smmuv3-vfio-612');
    const w = resolveFacts(cap, { groups: 'fixtures/groups/x86-q35-vtd-vfio-612.sysfs.txt' }, shows());
    expect(w.warnings[0]).toMatch(/^--groups fixtures\/groups\/x86-q35-vtd-vfio-612\.sysfs\.txt contradicts guest\/iommu_groups\.txt/);
  });

  it('a capture that says lazy while the trace shows strict: the capture is followed, the disagreement said', () => {
    const r = resolveFacts({ ...BARE, strict: false, cmdline: 'iommu.strict=0' }, {}, shows({ reuse: STRICT }));
    expect(r.facts.fq).toMatchObject({ value: 'lazy', how: 'read' });
    expect(r.warnings[0]).toMatch(/says lazy, but the trace shows strict: .*\(pass --strict to follow the trace\)/);
  });
});

describe('a capture folder', () => {
  it('with identity domains (iommu.passthrough=1) has no lazy or strict to assume', async () => {
    const r = await factsFor(readCapture('fixtures/traces/x86-q35-vtd-passthrough'), {});
    expect(r.facts.fq).toMatchObject({ value: null, how: 'read' });
    expect(r.assumed).toEqual([]);
    expect(r.profile.name).toBe('linux-6.1');
  });


  it('states every fact: nothing assumed, nothing unknown', async () => {
    const r = await factsFor(readCapture('fixtures/traces/x86-q35-vtd-vfio-612'), {});
    expect(r.assumed).toEqual([]);
    expect(r.unknown).toEqual([]);
    expect(r.profile.name).toBe('linux-6.12+strict');
    expect(r.facts.kernel).toMatchObject({ value: '6.12.117', how: 'read', source: 'guest/uname.txt' });
    expect(r.facts.arch).toMatchObject({ value: 'x86_64', how: 'read' });
  });
});
