// Bare trace files as users bring them (no capture folder): what the tool infers, what it says it
// assumed, the flags that override both, and the checks that cannot run without a fact.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalReader } from '../replay/index.js';
import { openUiInput } from '../web/open.js';
import { createUiServer } from '../web/server.js';
import { factNotes, RUN_CHECKS } from './commands/ui.js';
import { jsonLines, runCli } from './test-support/run-cli.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const tmp = () => scratchDir('ij-bare-');
const X86_612 = 'fixtures/traces/x86-q35-vtd-strict-612/trace.txt';
const ARM_LAZY = 'fixtures/traces/arm64-virt-smmuv3-lazy/trace.txt';

/** a capture's trace file alone in a folder of its own: its first `lines` lines, or all of it */
function bare(trace: string, lines?: number): string {
  const p = join(tmp(), 'trace.txt');
  if (lines === undefined) symlinkSync(resolve(trace), p);
  else writeFileSync(p, readFileSync(trace, 'utf8').split('\n').slice(0, lines).join('\n') + '\n');
  return p;
}

/**
 * The start of the x86 6.12 capture (boot, the ISA identity map unless `isa` is false, the virtio
 * disk probing), then one DMA-API map of virtio's disk inside the interrupt window 0xfee00000.
 */
function windowMapTrace(isa: boolean): string {
  const lines = readFileSync(X86_612, 'utf8').split('\n').slice(0, 300);
  const kept = isa ? lines : lines.filter((l) => !/ map: IOMMU: iova=0x0000000000000000 /.test(l));
  kept.push(
    '          insmod-136     [000] d..1.     9.000000: map: IOMMU: iova=0x00000000fee00000 - 0x00000000fee01000 paddr=0x0000000004aa0000 size=4096',
    '          insmod-136     [000] d..1.     9.000001: dma_map_page: 0000:00:04.0 dir=TO_DEVICE dma_addr=fee00000 size=64 phys_addr=4aa0000 attrs=',
  );
  const p = join(tmp(), 'window.txt');
  writeFileSync(p, kept.join('\n') + '\n');
  return p;
}

const RESERVED = 'iommu/map-in-reserved-region';

describe('a bare trace', () => {
  it('import --json says what it inferred and what it assumed; the journal keeps it; replay shows it', async () => {
    const out = join(tmp(), 'x.journal');
    const r = await runCli(['import', bare(X86_612, 3000), '-o', out, '--json']);
    expect(r.code).toBe(0);
    const [j] = jsonLines(r.out);
    const facts = j.facts as Record<string, { value: unknown; how: string }>;
    expect(facts.kernel).toMatchObject({ value: '6.12', how: 'inferred' });
    expect(facts.fq).toMatchObject({ value: 'strict', how: 'inferred' });
    expect(facts.arch).toMatchObject({ value: 'x86_64', how: 'inferred' });
    expect(j.profile).toBe('linux-6.12+strict');
    const assumed = j.assumed as string[];
    expect(assumed.some((a) => /^linux-6\.12 \(the trace's dma:\* events/.test(a))).toBe(true);
    // each assumption on stderr too
    for (const a of assumed) expect(r.err).toContain(`assumed: ${a}`);
    const meta = JournalReader.open(out);
    try {
      expect(meta.header.meta.assumed).toEqual(assumed);
      expect((meta.header.meta.facts as Record<string, { how: string }>).arch.how).toBe('inferred');
    } finally {
      meta.close();
    }
    const rep = await runCli(['replay', out, '--json']);
    expect(jsonLines(rep.out)[0].assumed).toEqual(assumed);
    expect((await runCli(['replay', out])).out).toContain(`assumed at import: ${assumed[0]}`);
  });

  it('trace verify --json: "assumed" lists what was assumed; a lazy capture given bare is followed as lazy', async () => {
    const r = await runCli(['trace', 'verify', bare(ARM_LAZY, 3000), '--json']);
    const [j] = jsonLines(r.out);
    expect(j.profile).toBe('linux-6.12+lazy');
    expect((j.facts as Record<string, { value: unknown }>).arch.value).toBe('arm64');
    expect(j.assumed).toContain('linux-6.12 (the trace names no kernel and shows no event that tells one: pass --kernel)');
  });

  it('flags override what the trace shows; one that contradicts it is a warning naming both', async () => {
    const r = await runCli(['trace', 'verify', bare(ARM_LAZY, 3000), '--json', '--kernel', '6.1', '--strict', '--arch', 'x86']);
    const [j] = jsonLines(r.out);
    expect(j.profile).toBe('linux-6.1+strict');
    // only what no flag stated: the regions (no sysfs listing) and the host-bridge windows (no dmesg)
    expect(j.assumed).toEqual([expect.stringMatching(/^the reserved regions of an x86 VT-d platform/), expect.stringMatching(/^no PCI host-bridge window/)]);
    expect(r.err).toMatch(/warning: --strict contradicts the trace: \d of 50 unmap→map pairs .* which shows lazy; following --strict/);
    expect(r.err).toMatch(/warning: --arch x86 contradicts the trace: the MSI doorbell page 0x8090000 .*, which shows arm64; following --arch/);
  });

  it('bad flags are bad input (exit 2), named', async () => {
    const t = bare(ARM_LAZY, 200);
    expect((await runCli(['replay', t, '--arch', 'riscv'])).err).toMatch(/--arch "riscv": expected x86 or arm64/);
    const both = await runCli(['replay', t, '--lazy', '--strict']);
    expect(both.code).toBe(2);
    expect((await runCli(['trace', 'verify', t, '--kernel', 'next'])).code).toBe(2);
    expect((await runCli(['check', t, '--groups', join(tmp(), 'none.txt')])).err).toMatch(/--groups .*none\.txt: cannot read \(ENOENT\)/);
  });

  it('a journal takes no flags: they are said to be ignored', async () => {
    const out = join(tmp(), 'y.journal');
    await runCli(['import', 'fixtures/traces/arm64-virt-smmuv3-vfio-612', '-o', out]);
    const r = await runCli(['replay', out, '--arch', 'x86']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/--arch ignored: they apply when a trace is imported/);
  });
});

describe('the platform reserved regions and the checks that need them', () => {
  it('a map inside the x86 MSI window of a bare trace is found once the arch is inferred', async () => {
    const r = await runCli(['check', windowMapTrace(true), '--json', '--only', RESERVED]);
    const [j] = jsonLines(r.out);
    const findings = j.findings as { check: string; message: string }[];
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toMatch(/overlaps the msi region \[0xfee00000, 0xfeefffff\]/);
    expect(j.skipped).toEqual([]);
    expect(r.code).toBe(1);
  });

  it('without anything showing the arch, the check is skipped with its reason (text and --json); --arch makes it run', async () => {
    const t = windowMapTrace(false);
    const j = jsonLines((await runCli(['check', t, '--json', '--only', RESERVED])).out)[0];
    expect(j.findings).toEqual([]);
    expect(j.skipped).toEqual([{ id: RESERVED, reason: 'needs --arch (or --groups FILE)', why: expect.stringMatching(/does not show the architecture/) }]);
    const text = await runCli(['check', t, '--only', RESERVED]);
    expect(text.out).toContain(`skipped: ${RESERVED}: needs --arch (or --groups FILE)`);
    expect(text.err).toMatch(/unknown: the architecture/);
    const given = jsonLines((await runCli(['check', t, '--json', '--only', RESERVED, '--arch', 'x86'])).out)[0];
    expect(given.findings).toHaveLength(1);
    const grouped = jsonLines((await runCli(['check', t, '--json', '--only', RESERVED, '--groups', 'fixtures/groups/x86-q35-vtd-vfio-612.sysfs.txt'])).out)[0];
    expect(grouped.findings).toHaveLength(1);
  });

  it('the DMA-API checks of a trace without dma:* events are skipped, with the reason', async () => {
    const j = jsonLines((await runCli(['check', bare(ARM_LAZY, 3000), '--json', '--only', 'dma-api/leak,iommu/msi-no-doorbell'])).out)[0];
    expect(j.skipped).toEqual([{ id: 'dma-api/leak', reason: 'needs dma:* events', why: expect.any(String) }]);
    // in text, a family skipped whole for one reason is one line
    const text = await runCli(['check', 'fixtures/traces/arm64-virt-smmuv3-vfio-612', '--disable', 'dma-api/leak']);
    expect(text.out).not.toMatch(/skipped/);
    const t61 = await runCli(['check', bare(ARM_LAZY, 3000)]);
    expect(t61.out).toContain('skipped: dma-api/* (10 checks): needs dma:* events (the trace has none; they exist from Linux 6.12 and are recorded with -e dma)');
  });

  it('bisect for a check that cannot run says why instead of finding nothing', async () => {
    const r = await runCli(['bisect', windowMapTrace(false), '--check', RESERVED]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/skipped: iommu\/map-in-reserved-region: needs --arch/);
  });

  it('the time-travel page says so in its status bar, and its findings skip the check', async () => {
    const store = await openUiInput(windowMapTrace(false));
    const ui = await createUiServer({ stores: [store], port: 0, runChecks: RUN_CHECKS, notes: factNotes([store]) });
    try {
      const info = (await (await fetch(`${ui.url}api/info`)).json()) as { notes: string[] };
      expect(info.notes.some((n) => n.endsWith(`skipped: ${RESERVED}: needs --arch (or --groups FILE) (the trace does not show the architecture and no sysfs listing gives the groups' reserved regions)`))).toBe(true);
      expect(info.notes.some((n) => /assumed at import: linux-6\.12/.test(n))).toBe(true);
    } finally {
      await ui.close();
      store.close();
    }
  });
});
