// Which domain and addressing a DMA-API call of a device uses (iommu_get_dma_domain: the
// group's default domain; dma-direct when it is IDENTITY or the device has no IOMMU).
import { type DomainType, InputError } from '../../domain-events/index.js';
import { type State } from '../../reducers/index.js';

export interface DmaTarget {
  readonly device: string;
  /** null: no translation (identity domain or no IOMMU) */
  readonly domain: number | null;
  readonly domainType: DomainType | null;
  readonly pci: boolean;
  readonly coherent: boolean;
  readonly dmaMask: bigint;
  readonly coherentDmaMask: bigint;
  readonly busDmaLimit: bigint;
  readonly pci32Workaround: boolean;
  readonly apertureEnd: bigint;
  readonly forceAperture: boolean;
}

export function dmaTarget(s: State, device: string): DmaTarget {
  const dev = s.topology.devices[device];
  if (!dev || !dev.dma) throw new InputError(`device ${JSON.stringify(device)}: not probed (no DMA configuration)`);
  const id = dev.defaultDomain;
  const dom = id === null ? undefined : s.topology.domains[id];
  const translated = dom !== undefined && (dom.type === 'DMA' || dom.type === 'DMA_FQ');
  return {
    device,
    domain: translated ? id : null,
    domainType: dom?.type ?? null,
    pci: dev.dma.pci,
    coherent: dev.dma.coherent,
    dmaMask: dev.dma.dmaMask,
    coherentDmaMask: dev.dma.coherentDmaMask,
    busDmaLimit: dev.dma.busDmaLimit,
    pci32Workaround: dev.dma.pci32Workaround,
    apertureEnd: dom?.apertureEnd ?? (1n << 64n) - 1n,
    forceAperture: dom?.forceAperture ?? false,
  };
}
