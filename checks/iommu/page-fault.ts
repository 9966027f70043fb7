// An IOMMU page fault (report_iommu_fault, trace io_page_fault), with what the domain had at
// the faulting IOVA: nothing mapped (use after unmap, stray DMA) or a mapping whose permissions
// did not allow the access.
import { translate } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb, liveRuns } from './live.js';

const IOMMU_READ = 1;
const IOMMU_WRITE = 2;

export const pageFault: Check = defineCheck({
  id: 'iommu/page-fault',
  version: 1,
  severity: 'error',
  description: 'IOMMU page fault, with the mapping state at the faulting IOVA',
  on: ['PageFaulted'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'PageFaulted') return;
      const write = (e.flags & 1) !== 0;
      const domain = e.domain ?? s.topology.devices[e.device]?.domain ?? null;
      const head = `io_page_fault: ${e.device}${e.driver ? ` (${e.driver})` : ''} ${write ? 'write' : 'read'} at iova ${hexb(e.iova)}`;
      if (domain === null) {
        emit({ message: `${head}: the device is attached to no known domain`, address: e.iova });
        return;
      }
      const pt = s.pageTables.domains.get(domain);
      const pa = pt ? translate(pt.runs, e.iova) : null;
      if (pa === null) {
        emit({ message: `${head}: nothing is mapped there in ${domainName(s, domain)}`, domain, address: e.iova });
        return;
      }
      const run = liveRuns(s, domain, e.iova, 1n, e)[0];
      const prot = run?.prot ?? null;
      const denied = prot !== null && (write ? (prot & IOMMU_WRITE) === 0 : (prot & IOMMU_READ) === 0);
      emit({
        message: `${head}: mapped to ${hexb(pa)} in ${domainName(s, domain)}${run ? ` by #${run.seq}` : ''}${prot === null ? '' : `, prot ${prot}`}${denied ? ` (no ${write ? 'write' : 'read'} permission)` : ''}`,
        related: run ? [run.seq] : [],
        domain,
        address: e.iova,
      });
    },
  }),
});
