// What a capture folder says beside the trace: the guest's iommu_groups (domain types, reserved
// regions, drivers), /proc/iomem (RAM, PCI windows), the kernel command line and version, and
// the dmesg lines that change IOMMU behaviour. Every field is optional: users bring bare traces.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { captureTrace } from './detect.js';

export interface CaptureRegion {
  readonly start: bigint;
  readonly end: bigint;
  /** as sysfs prints it: direct, direct-relaxable, reserved, msi */
  readonly kind: string;
}

export interface CaptureGroup {
  readonly id: number;
  /** sysfs type: DMA, DMA-FQ, identity, blocked, unmanaged */
  readonly type: string;
  readonly regions: readonly CaptureRegion[];
  readonly devices: readonly { readonly name: string; readonly driver: string; readonly vendor: string; readonly device: string; readonly class: string }[];
}

export interface CaptureInfo {
  /** the folder, when the input was one */
  readonly folder: string | null;
  readonly trace: string;
  readonly name: string;
  readonly arch: 'x86_64' | 'arm64' | null;
  /** "6.1.192", "6.12.117" */
  readonly kernel: string | null;
  readonly cmdline: string | null;
  readonly strict: boolean | null;
  readonly passthrough: boolean;
  readonly forcedac: boolean;
  /** VT-d in caching mode forces strict ("IOMMU batching disallowed due to virtualization") */
  readonly forcedStrict: boolean;
  readonly groups: readonly CaptureGroup[];
  readonly ram: readonly { start: bigint; end: bigint }[];
  readonly pciWindows: readonly { start: bigint; end: bigint }[];
  readonly cpus: number | null;
  readonly traceClock: string | null;
  /** guest dmesg (probe messages name devices and their block devices), '' when absent */
  readonly dmesg: string;
  /** the platform's reserved regions, for a group no sysfs listing names (ingest/facts/platform.ts) */
  readonly platformRegions: readonly CaptureRegion[];
  /** physical pages known to be MSI doorbells when /proc/iomem is not there to tell MMIO from RAM */
  readonly doorbellPages: readonly bigint[];
  /** guest/interrupts.txt (/proc/interrupts, read after the recording): interrupts per PCI device, summed over its vectors and CPUs */
  readonly interrupts?: ReadonlyMap<string, number>;
}

/** The reserved regions of a group: as sysfs lists them, else the platform's own. */
export function regionsOfGroup(c: CaptureInfo, group: number): readonly CaptureRegion[] {
  return c.groups.find((g) => g.id === group)?.regions ?? c.platformRegions;
}

function read(folder: string | null, rel: string): string | null {
  if (!folder) return null;
  const p = join(folder, rel);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

export function parseIommuGroups(text: string): CaptureGroup[] {
  const groups: { id: number; type: string; regions: CaptureRegion[]; devices: CaptureGroup['devices'][number][] }[] = [];
  for (const line of text.split('\n')) {
    const g = /^group (\d+): type=(\S+)/.exec(line);
    if (g) {
      groups.push({ id: Number(g[1]), type: g[2], regions: [], devices: [] });
      continue;
    }
    const cur = groups[groups.length - 1];
    if (!cur) continue;
    const r = /^\s+0x([0-9a-f]+) 0x([0-9a-f]+) (\S+)/.exec(line);
    if (r) {
      cur.regions.push({ start: BigInt('0x' + r[1]), end: BigInt('0x' + r[2]), kind: r[3] });
      continue;
    }
    const d = /^\s+device (\S+)(.*)$/.exec(line);
    if (d) {
      const kv = (k: string) => new RegExp(`${k}=(\\S*)`).exec(d[2])?.[1] ?? '';
      cur.devices.push({ name: d[1], driver: kv('driver'), vendor: kv('vendor'), device: kv('device'), class: kv('class') });
    }
  }
  return groups;
}

function parseRam(iomem: string): { start: bigint; end: bigint }[] {
  const out: { start: bigint; end: bigint }[] = [];
  for (const line of iomem.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) : System RAM/.exec(line);
    if (m) out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]) });
  }
  return out;
}

/** dmesg "pci_bus …: root bus resource [mem 0x…-0x… window]" (bus = CPU address on these machines) */
function parsePciWindows(dmesg: string): { start: bigint; end: bigint }[] {
  const out: { start: bigint; end: bigint }[] = [];
  const re = /root bus resource \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)[^\]]*\]/g;
  for (let m = re.exec(dmesg); m; m = re.exec(dmesg)) out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]) });
  return out;
}

function flag(cmdline: string, key: string): string | null {
  const m = new RegExp(`(?:^|\\s)${key.replace('.', '\\.')}=(\\S+)`).exec(cmdline);
  return m ? m[1] : null;
}

const truthy = (v: string | null) => v !== null && /^(1|y|on|true)$/i.test(v);

/** Reads a capture folder (or the folder of a trace file) into a CaptureInfo. */
export function readCapture(input: string): CaptureInfo {
  const isDir = statSync(input).isDirectory();
  const folder = isDir ? input : existsSync(join(dirname(input), 'guest')) ? dirname(input) : null;
  // a folder is read from its most complete trace (detect.ts CAPTURE_TRACES)
  const trace = isDir ? (captureTrace(input) ?? join(input, 'trace.txt')) : input;
  const uname = read(folder, 'guest/uname.txt') ?? '';
  const dmesg = read(folder, 'guest/dmesg.txt') ?? '';
  const cmdline = (read(folder, 'guest/cmdline.txt') ?? /Kernel command line: (.*)/.exec(dmesg)?.[1] ?? '').trim() || null;
  const groupsText = read(folder, 'guest/iommu_groups.txt');
  const iomem = read(folder, 'guest/iomem.txt') ?? '';
  const kernel = /(\d+\.\d+\.\d+)/.exec(/Debian (\S+)/.exec(uname)?.[1] ?? '')?.[1] ?? /Linux \S+ (\d+\.\d+)/.exec(uname)?.[1] ?? null;
  const arch = /aarch64|arm64/.test(uname) ? 'arm64' : /x86_64|amd64/.test(uname) ? 'x86_64' : null;
  const strictFlag = cmdline ? flag(cmdline, 'iommu.strict') : null;
  const strict = strictFlag === null ? (/TLB invalidation policy: lazy/.test(dmesg) ? false : /TLB invalidation policy: strict/.test(dmesg) ? true : null) : truthy(strictFlag);
  const cpuStats = read(folder, 'guest/per_cpu_stats.txt');
  const cpus = cpuStats ? (cpuStats.match(/^== cpu\d+/gm) ?? []).length || null : null;
  return {
    folder,
    trace,
    name: folder ? basename(folder) : basename(input),
    arch,
    kernel,
    cmdline,
    strict,
    passthrough: cmdline ? truthy(flag(cmdline, 'iommu.passthrough')) : false,
    forcedac: cmdline ? truthy(flag(cmdline, 'iommu.forcedac')) : false,
    forcedStrict: /IOMMU batching disallowed due to virtualization/.test(dmesg),
    groups: groupsText ? parseIommuGroups(groupsText) : [],
    ram: parseRam(iomem),
    pciWindows: parsePciWindows(dmesg),
    cpus,
    traceClock: (read(folder, 'guest/trace_clock.txt') ?? '').match(/\[(\w+)\]/)?.[1] ?? null,
    dmesg,
    platformRegions: [],
    doorbellPages: [],
    interrupts: parseInterrupts(read(folder, 'guest/interrupts.txt') ?? ''),
  };
}

/** /proc/interrupts: " 26:  51854  0  IR-PCI-MSIX-0000:00:04.0  1-edge  virtio0-req.0" → per PCI device, the sum of its rows */
export function parseInterrupts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const m = /^\s*\d+:((?:\s+\d+)+)\s+\S*?([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\b/.exec(raw);
    if (!m) continue;
    const n = m[1].trim().split(/\s+/).reduce((a, x) => a + Number(x), 0);
    out.set(m[2], (out.get(m[2]) ?? 0) + n);
  }
  return out;
}
