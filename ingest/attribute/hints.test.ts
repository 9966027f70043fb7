import { describe, expect, it } from 'vitest';
import { DeviceHints } from './hints.js';

const dev = (name: string, driver: string, vendor: string) => ({ name, driver, vendor, device: '', class: '' });
const groups = [
  { id: 1, type: 'DMA', regions: [], devices: [dev('0000:00:04.0', 'virtio-pci', '0x1af4')] },
  { id: 2, type: 'DMA', regions: [], devices: [dev('0000:00:05.0', 'nvme', '0x1b36')] },
  { id: 3, type: 'DMA', regions: [], devices: [dev('0000:00:06.0', 'virtio-pci', '0x1af4')] },
  { id: 4, type: 'DMA', regions: [], devices: [dev('0000:00:1f.2', 'ahci', '0x8086')] },
];
const dmesg = `[    1.045454] pci 0000:00:04.0: Adding to iommu group 1
[    2.039299] virtio_blk virtio0: 1/0/0 default/read/poll queues
[    2.058873] virtio_blk virtio0: [vda] 16384 512-byte logical blocks (8.39 MB/8.00 MiB)
[    2.079362] virtio_blk virtio1: [vdb] 131072 512-byte logical blocks
[    2.171584] nvme nvme0: pci function 0000:00:05.0
[    2.322946] ahci 0000:00:1f.2: version 3.0
[    2.341175] scsi host0: ahci
[    2.600000] sd 0:0:0:0: [sda] 16384 512-byte logical blocks`;

describe('device hints from dmesg and phase markers', () => {
  const h = new DeviceHints({ dmesg, groups });
  it('names the disks of virtio, nvme and ahci', () => {
    expect(Object.fromEntries(h.disks)).toEqual({ vda: '0000:00:04.0', vdb: '0000:00:06.0', nvme0n1: '0000:00:05.0', sda: '0000:00:1f.2' });
  });
  it('points at the probing device, then at the disk a phase marker drives', () => {
    expect(h.deviceAt(2.1e9, null)).toBe('0000:00:06.0');
    expect(h.deviceAt(2.2e9, 'CAPTURE BEGIN')).toBe('0000:00:05.0');
    expect(h.deviceAt(5e9, 'RUN dd if=/dev/zero of=/dev/sda bs=1M')).toBe('0000:00:1f.2');
    expect(h.deviceAt(1e9, null)).toBeNull();
  });
  it('takes each driver binding to a device as a probe of its own (virtio-pci enables the function, virtio_blk maps the rings later)', () => {
    // given virtio-pci's line about 0000:00:04.0 at 1.0 s and virtio_blk's about virtio0 at 2.0 s
    const late = new DeviceHints({ dmesg: '[    1.000000] virtio-pci 0000:00:04.0: enabling device (0000 -> 0002)\n[    1.500000] nvme 0000:00:05.0: enabling device\n[    2.000000] virtio_blk virtio0: 1/0/0 default/read/poll queues', groups });
    // then at 2.01 s the probing device is 0000:00:04.0 again, not the nvme that probed between
    expect(late.probedWithin(2.01e9, 50e6)).toBe('0000:00:04.0');
    expect(late.probedWithin(1.51e9, 50e6)).toBe('0000:00:05.0');
  });
});
