// The weight of each kind of evidence, as a likelihood ratio (how much more likely the evidence
// is when the line belongs to the domain it points at than when it does not). Measured on the
// 6.12 captures, whose dma:* events name the device: `npm run build && node
// dist/bench/attribution-weights.js` attributes each of them blind with candidate weights and
// keeps those that maximise the log-likelihood of the right domain on the other captures
// (leave-one-capture-out); docs/attribution.md gives the figures. The combination is calibrated
// when, among lines attributed with confidence >= 0.9, at least 99.5 % are right. driverObject and
// allocatorFromStart were set, not fitted (the bench searches them too): the 6.12 captures have
// few lines where they decide (a VFIO capture's first reads of a disk, the boot probes).
export interface EvidenceWeights {
  /** the marker names the disk of the domain's device (process context) */
  readonly phase: number;
  /** the device's driver logged its first line within probeWindowNs */
  readonly probe: number;
  readonly probeWindowNs: number;
  /** the task attached the device (attach_device_to_domain, add_device_to_group) */
  readonly attach: number;
  /** the physical page is device memory other tasks mapped for this domain */
  readonly devicePage: number;
  /** distinct tasks that must have mapped a page for it to count as device memory */
  readonly devicePageTasks: number;
  /** the physical page was mapped at two IOVAs at once for the domain (driver objects) */
  readonly driverObject: number;
  /** exponent of the learned completion-CPU likelihood */
  readonly completion: number;
  /** a map's IOVA live in a domain: that domain's factor when the blocking placement is certain */
  readonly blocked: number;
  /** the same, as evidence about the task (a task whose map was blocked there drives another device) */
  readonly blockedTask: number;
  /** a map at an IOVA the domain unmapped within 100 ms, and earlier */
  readonly reuse: number;
  readonly reuseOld: number;
  /** the same, as evidence about the task */
  readonly reuseTask: number;
  /** an unmap: the domain whose live mapping at the IOVA is the newest */
  readonly newest: number;
  /** the domain with the most recent traffic */
  readonly recent: number;
  /** a request's shape points at a virtio ring's driver or away from it (request-shape.ts; 1: off) */
  readonly requestShape: number;
  /** a map line and a domain whose devices took next to no interrupts (quiet-device.ts; 1: off) */
  readonly quietDevice: number;
  /** a doorbell page and a DMA domain without a doorbell yet */
  readonly doorbell: number;
  /** 6.12+: a map without a DMA-API event and an UNMANAGED domain */
  readonly callerMap: number;
  /** the domains whose allocator gives the line's IOVA, when nothing else is confident */
  readonly allocator: number;
  /** how right the allocator of a domain the trace shows from its creation is taken to be before its answers show it */
  readonly allocatorFromStart: number;
  /** the most a task's accumulated evidence may favour one domain over another (log) */
  readonly taskCap: number;
  /** how fast a kernel worker's or an interrupt context's evidence fades (they serve several devices) */
  readonly workerForgetNs: number;
}

export const WEIGHTS: EvidenceWeights = {
  phase: 450,
  probe: 3,
  probeWindowNs: 1_000_000_000,
  attach: 18,
  devicePage: 1.2,
  devicePageTasks: 2,
  driverObject: 30,
  completion: 0.3,
  blocked: 0.00018,
  blockedTask: 0.027,
  reuse: 8.1,
  reuseOld: 1,
  reuseTask: 1,
  newest: 27,
  recent: 4.5,
  requestShape: 20,
  quietDevice: 20,
  doorbell: 50,
  callerMap: 20,
  allocator: 20,
  allocatorFromStart: 0.9,
  taskCap: 36,
  workerForgetNs: 45000000,
};
