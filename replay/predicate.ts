// User predicates on the state for bisect: small, kernel-worded terms joined with && / ||.
//   mapped 0xfee00000 [in 3]     the IOVA translates (in domain 3, or in any domain)
//   unmapped 0xfee00000 in 3     it does not
//   pages 3 > 100                4 KiB pages mapped in domain 3 (pages > N: in all domains)
//   maps 3 >= 1000               iommu_map calls so far in domain 3 (maps >= N: all domains)
//   dma-live 0000:00:04.0 >= 1   live DMA-API mappings of a device
//   freed 3                      domain 3 was freed
//   attached 0000:00:04.0 to 5   the device translates through domain 5
import { InputError } from '../domain-events/index.js';
import { type State, translate } from '../reducers/index.js';

export type StatePredicate = (s: State) => boolean;

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

function bad(text: string, why: string): never {
  throw new InputError(`--where ${JSON.stringify(text)}: ${why} (terms: mapped IOVA [in D], unmapped IOVA [in D], pages [D] OP N, maps [D] OP N, dma-live DEV OP N, freed D, attached DEV to D; joined by && or ||)`);
}

function addr(tok: string | undefined, text: string): bigint {
  if (tok === undefined || !/^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/.test(tok)) bad(text, `expected an address, got ${tok ?? 'nothing'}`);
  return BigInt(tok);
}

function int(tok: string | undefined, text: string): number {
  if (tok === undefined || !/^\d+$/.test(tok)) bad(text, `expected a number, got ${tok ?? 'nothing'}`);
  return Number(tok);
}

function op(tok: string | undefined, text: string): (a: number, b: number) => boolean {
  const f = tok === undefined ? undefined : OPS[tok];
  if (f === undefined) bad(text, `expected one of ${Object.keys(OPS).join(' ')}, got ${tok ?? 'nothing'}`);
  return f;
}

function mappedIn(s: State, iova: bigint, domain: number | null): boolean {
  let hit = false;
  s.pageTables.domains.forEach((id, d) => {
    if ((domain === null || id === domain) && translate(d.runs, iova) !== null) hit = true;
    return !hit;
  });
  return hit;
}

function term(t: string[], text: string): StatePredicate {
  const [head, ...rest] = t;
  const end = (n: number): void => {
    if (rest.length !== n) bad(text, `unexpected ${rest.slice(n).join(' ') || 'end'} after ${head}`);
  };
  switch (head) {
    case 'mapped':
    case 'unmapped': {
      const iova = addr(rest[0], text);
      let domain: number | null = null;
      if (rest.length > 1) {
        if (rest[1] !== 'in') bad(text, `expected "in DOMAIN" after the address`);
        domain = int(rest[2], text);
        end(3);
      } else end(1);
      return head === 'mapped' ? (s) => mappedIn(s, iova, domain) : (s) => !mappedIn(s, iova, domain);
    }
    case 'maps':
    case 'pages': {
      const withDomain = rest.length === 3;
      const domain = withDomain ? int(rest[0], text) : null;
      const f = op(rest[withDomain ? 1 : 0], text);
      const n = int(rest[withDomain ? 2 : 1], text);
      end(withDomain ? 3 : 2);
      return (s) => {
        let pages = 0;
        s.pageTables.domains.forEach((id, d) => void (domain === null || id === domain ? (pages += head === 'maps' ? d.maps : d.mappedPages) : 0));
        return f(pages, n);
      };
    }
    case 'dma-live': {
      const dev = rest[0] ?? bad(text, 'expected a device name');
      const f = op(rest[1], text);
      const n = int(rest[2], text);
      end(3);
      return (s) => f(s.dmaApi.devices[dev]?.count ?? 0, n);
    }
    case 'freed': {
      const domain = int(rest[0], text);
      end(1);
      return (s) => (s.topology.domains[domain]?.freedSeq ?? null) !== null;
    }
    case 'attached': {
      const dev = rest[0] ?? bad(text, 'expected a device name');
      if (rest[1] !== 'to') bad(text, 'expected "to DOMAIN"');
      const domain = int(rest[2], text);
      end(3);
      return (s) => s.topology.devices[dev]?.domain === domain;
    }
    default:
      return bad(text, `unknown term ${JSON.stringify(head ?? '')}`);
  }
}

export function parsePredicate(text: string): StatePredicate {
  const ors = text.split('||').map((x) => x.trim());
  if (ors.some((x) => x === '')) bad(text, 'empty term');
  const alts = ors.map((alt) => {
    const ands = alt.split('&&').map((x) => x.trim());
    if (ands.some((x) => x === '')) bad(text, 'empty term');
    const terms = ands.map((a) => term(a.split(/\s+/), text));
    return (s: State) => terms.every((f) => f(s));
  });
  return (s) => alts.some((f) => f(s));
}
