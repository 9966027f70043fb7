// What the model needs to know about the IOMMU hardware and its driver: the page-table format
// and sizes, the address width, and the quirks that change DMA-API behaviour.

export interface IommuPlatform {
  /** arm-smmu-v3, intel-vtd, … */
  readonly name: string;
  /** page-table format (io-pgtable name or VTD_SL) */
  readonly fmt: string;
  readonly ias: number;
  readonly oas: number;
  readonly pgsizeBitmap: bigint;
  /** IOMMU_CAP_DEFERRED_FLUSH (6.12+ requires it for DMA_FQ) */
  readonly deferredFlush: boolean;
  /** the driver forces strict mode (VT-d caching mode: "IOMMU batching disallowed due to virtualization") */
  readonly forceStrict: boolean;
  /** IOMMU_RESV_SW_MSI window the driver reports (Arm SMMU: 0x8000000 + 1 MiB) */
  readonly swMsi: { readonly start: bigint; readonly length: bigint } | null;
  /** IOMMU_RESV_MSI hardware window (x86: 0xfee00000 - 0xfeefffff) */
  readonly hwMsi: { readonly start: bigint; readonly end: bigint } | null;
  /** CPUs (possible = online) for rcaches and flush queues */
  readonly cpus: number;
}

export const ARM_SMMU_V3: IommuPlatform = {
  name: 'arm-smmu-v3',
  fmt: 'ARM_64_LPAE_S1',
  ias: 48,
  oas: 48,
  pgsizeBitmap: 0x40201000n,
  deferredFlush: true,
  forceStrict: false,
  swMsi: { start: 0x8000000n, length: 0x100000n },
  hwMsi: null,
  cpus: 1,
};

export const INTEL_VTD: IommuPlatform = {
  name: 'intel-vtd',
  fmt: 'VTD_SL',
  ias: 48,
  oas: 48,
  pgsizeBitmap: 0x40201000n,
  deferredFlush: true,
  forceStrict: false,
  swMsi: null,
  hwMsi: { start: 0xfee00000n, end: 0xfeefffffn },
  cpus: 1,
};

export const PLATFORMS: readonly IommuPlatform[] = [ARM_SMMU_V3, INTEL_VTD];

export function platformNamed(name: string): IommuPlatform | undefined {
  return PLATFORMS.find((p) => p.name === name);
}
