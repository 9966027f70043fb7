// The kinds of evidence that place a map or unmap line in a domain, strongest first. Every
// Mapped/Unmapped event of an imported trace names the kind that decided it (`how`).
export const EVIDENCE_KINDS = {
  'dma-event': 'the 6.12+ dma:* event of the same call names the device',
  'direct-region': "an identity map of a group's direct reserved region",
  'msi-window': "a map into the software-MSI window of a group's UNMANAGED domain",
  continuation: 'the next run of a multi-run map (dma_map_sg, a coherent buffer) of the same context',
  'live-unmap': 'the unmapped range is live in this domain only (or newest here)',
  doorbell: 'an MSI doorbell page (MMIO, not RAM) mapped into a DMA domain that has none yet',
  'caller-map': 'a map with no DMA-API event on a kernel that traces them: an iommu_map() caller (VFIO, iommufd)',
  phase: 'a phase marker names the disk the workload drives (RUN dd if=/dev/sda), dmesg names its device',
  probe: "the device's driver was probing (dmesg), or the task attached it (attach_device_to_domain)",
  'device-page': 'the physical page is device memory (request headers, rings) other tasks mapped for this device',
  'driver-object': 'the physical page holds driver objects of this device: it was mapped at two IOVAs at once (a request header and its status byte)',
  completion: "where the task's mappings were unmapped (the CPU a device's interrupts run on)",
  'quiet-device': "the domain's devices took next to no interrupts in the guest's /proc/interrupts (no DMA to complete)",
  'request-shape': "the task's requests have a virtio ring's shape (a header and a status mapped apart from one page) or a dma_map_sg list's (one range in several lines)",
  task: 'what the task was shown to drive before (its accumulated evidence)',
  'free-iova': 'the IOVA range is live in the other candidate domains (a map needs it free)',
  'iova-reuse': 'the domain that unmapped this IOVA last (iova.c hands freed IOVAs out again first)',
  recent: 'the domain with the most recent traffic',
  allocator: "the domain's own allocator would have handed out this IOVA (a last resort, counted apart)",
  'pre-trace': 'an unmap of a mapping made before the trace began (the trace starts mid-run)',
  conflict: 'no domain can take the line without a conflict (a map over live pages, an unmap of a hole)',
} as const;

export type EvidenceKind = keyof typeof EVIDENCE_KINDS;

/**
 * Kinds that come from outside attribution's own decisions: what the trace states (a dma:* event,
 * a marker, an attach line, a doorbell page, an identity map), the guest's dmesg, and what was
 * learned only from lines such kinds placed (device pages). A placement none of them supports is
 * only a stream continuing where attribution first put it: it may be right, it cannot be sure
 * (combine.ts keeps its confidence below CONFIDENT_AT). Where a task's mappings completed
 * (completion.ts) is no anchor: devices share the CPUs their completions run on (blk-mq completes
 * on the submitting CPU, QUEUE_FLAG_SAME_COMP; two devices' vectors may land on one CPU), so a
 * (map CPU, unmap CPU) pair can suggest a device, never make it sure; on the heavy capture the
 * placements it alone anchored were the confident wrong ones.
 */
export const ANCHORS: ReadonlySet<EvidenceKind> = new Set(['dma-event', 'direct-region', 'msi-window', 'doorbell', 'caller-map', 'phase', 'probe', 'device-page', 'driver-object']);
