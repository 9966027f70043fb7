// Stage-1 leaf attributes from IOMMU prot (io-pgtable-arm.c arm_lpae_prot_to_pte and
// __arm_lpae_init_pte, 6.1 = 6.12): the bits the oracle prints as `attrs`.
export const IOMMU_READ = 1;
export const IOMMU_WRITE = 2;
export const IOMMU_CACHE = 4;
export const IOMMU_NOEXEC = 8;
export const IOMMU_MMIO = 16;
export const IOMMU_PRIV = 32;

const PTE_TYPE_BLOCK = 1n;
const PTE_TYPE_PAGE = 3n;
const PTE_AP_UNPRIV = 1n << 6n;
const PTE_AP_RDONLY = 1n << 7n;
const PTE_SH_OS = 2n << 8n;
const PTE_SH_IS = 3n << 8n;
const PTE_AF = 1n << 10n;
const PTE_NG = 1n << 11n;
const PTE_XN = 3n << 53n;
const ATTRINDX_SHIFT = 2n;
const MAIR_ATTR_IDX_CACHE = 1n;
const MAIR_ATTR_IDX_DEV = 2n;

/** The attribute bits of a stage-1 leaf (everything but the output address), type bits included. */
export function lpaeS1Attrs(prot: number, lastLevel: boolean): bigint {
  let pte = PTE_NG;
  if (!(prot & IOMMU_WRITE) && prot & IOMMU_READ) pte |= PTE_AP_RDONLY;
  if (!(prot & IOMMU_PRIV)) pte |= PTE_AP_UNPRIV;
  if (prot & IOMMU_MMIO) pte |= MAIR_ATTR_IDX_DEV << ATTRINDX_SHIFT;
  else if (prot & IOMMU_CACHE) pte |= MAIR_ATTR_IDX_CACHE << ATTRINDX_SHIFT;
  pte |= prot & IOMMU_CACHE ? PTE_SH_IS : PTE_SH_OS;
  if (prot & IOMMU_NOEXEC) pte |= PTE_XN;
  pte |= PTE_AF;
  return pte | (lastLevel ? PTE_TYPE_PAGE : PTE_TYPE_BLOCK);
}

export function attrsHex(a: bigint): string {
  return '0x' + a.toString(16).padStart(16, '0');
}
