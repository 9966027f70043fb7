// Which device is busy when: the tie-breaker when several domains' allocators would all have
// handed out a map's IOVA (fresh domains of one kernel all start at the same top IOVA). Two
// sources a capture gives:
//  - the guest's dmesg: each driver's first message about a PCI device (or the virtio device on
//    it) marks when it probes it
//    (its queues and rings are DMA-mapped then), and its block-device lines name the disks
//    ("virtio_blk virtio0: [vda]", "nvme nvme0: pci function 0000:00:05.0", "sd 0:0:0:0: [sda]"
//    under "scsi host0: ahci" of the last "ahci 0000:00:1f.2" line);
//  - phase markers naming a disk ("RUN dd if=/dev/vda …"): the workload drives that device.
// Both are hints: attribution uses them only among domains the allocator already agrees on.
import { type CaptureInfo } from '../capture.js';

interface Probe {
  readonly ts: number;
  readonly device: string;
}

const LINE = /^\[\s*(\d+)\.(\d{6})\]\s+(\S+)\s+(\S+):(?:\s+(.*))?$/;
const PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const IGNORE_DRIVERS = new Set(['pci', 'pci_bus', 'iommu', 'DMAR', 'DMAR-IR', 'arm-smmu-v3']);

export class DeviceHints {
  private readonly probes: Probe[] = [];
  /** "vda" → "0000:00:04.0" */
  readonly disks = new Map<string, string>();
  private lastMarker: string | null = null;
  private lastPhaseDevice: string | null = null;

  constructor(capture: Pick<CaptureInfo, 'dmesg' | 'groups'>) {
    // virtio devices are numbered in the order virtio-pci probes them: PCI order (6.1
    // drivers/virtio/virtio.c register_virtio_device takes the next ida index)
    const virtioPci = capture.groups
      .flatMap((g) => g.devices)
      .filter((d) => d.driver === 'virtio-pci' || d.vendor === '0x1af4')
      .map((d) => d.name)
      .sort();
    const seen = new Set<string>();
    const scsiHost = new Map<string, string>();
    let lastAhci: string | null = null;
    for (const raw of capture.dmesg.split('\n')) {
      const m = LINE.exec(raw);
      if (!m) continue;
      const ts = Number(m[1]) * 1e9 + Number(m[2]) * 1e3;
      const [driver, subject, text] = [m[3], m[4], m[5] ?? ''];
      let device: string | null = null;
      if (PCI.test(subject) && !IGNORE_DRIVERS.has(driver) && !/Adding to iommu group/.test(text)) device = subject;
      const fn = /pci function (\S+)/.exec(text);
      if (fn && PCI.test(fn[1])) {
        device = fn[1];
        this.disks.set(`${subject}n1`, device);
      }
      const vio = /^virtio(\d+)$/.exec(subject);
      if (vio && virtioPci[Number(vio[1])]) {
        device = virtioPci[Number(vio[1])];
        const disk = /^\[(vd[a-z]+)\]/.exec(text);
        if (disk) this.disks.set(disk[1], device);
      }
      if (driver === 'ahci' && PCI.test(subject)) lastAhci = subject;
      const host = /^(host\d+)$/.exec(subject);
      if (driver === 'scsi' && host && text.trim() === 'ahci' && lastAhci) scsiHost.set(host[1].slice(4), lastAhci);
      const sd = /^(\d+):\d+:\d+:\d+$/.exec(subject);
      const sdDisk = /^\[(sd[a-z]+)\]/.exec(text);
      if (driver === 'sd' && sd && sdDisk && scsiHost.has(sd[1])) this.disks.set(sdDisk[1], scsiHost.get(sd[1])!);
      // each driver's first line about a device is a probe: virtio_blk binds to virtio0 well
      // after virtio-pci enabled 0000:00:04.0, and maps its rings then (virtio_blk.c virtblk_probe)
      if (device && !seen.has(`${driver} ${device}`)) {
        seen.add(`${driver} ${device}`);
        this.probes.push({ ts, device });
      }
    }
  }

  /** the disk device a phase marker drives ("RUN dd if=/dev/vda …"), skipping /dev/null, /dev/zero… */
  phaseDevice(marker: string | null): string | null {
    if (!marker) return null;
    // asked for every ambiguous map: the marker changes once per phase
    if (marker === this.lastMarker) return this.lastPhaseDevice;
    let found: string | null = null;
    for (const m of marker.matchAll(/\/dev\/(\w+)/g)) {
      found = this.disks.get(m[1]) ?? null;
      if (found) break;
    }
    this.lastMarker = marker;
    this.lastPhaseDevice = found;
    return found;
  }

  /** the device whose driver was probing at `ts`: the last first-message at or before it */
  probingAt(ts: number): string | null {
    let best: Probe | null = null;
    for (const p of this.probes) if (p.ts <= ts) best = p;
    return best?.device ?? null;
  }

  /** the device whose driver logged its first line at most `windowNs` before `ts` (the latest such) */
  probedWithin(ts: number, windowNs: number): string | null {
    let lo = 0;
    let hi = this.probes.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (this.probes[m].ts <= ts) lo = m + 1;
      else hi = m;
    }
    const p = this.probes[lo - 1];
    return p && ts - p.ts <= windowNs ? p.device : null;
  }

  deviceAt(ts: number, marker: string | null): string | null {
    return this.phaseDevice(marker) ?? this.probingAt(ts);
  }
}
