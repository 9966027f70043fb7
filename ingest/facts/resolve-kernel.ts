// The kernel release and its profile: --kernel, else what the trace file's header or the
// capture's uname says, else what the trace's events show (dma:* events, detach events), else
// an assumption.
import { InputError } from '../../domain-events/index.js';
import { type Profile } from '../../kernel/profile.js';
import { type KernelClue } from './kernel-evidence.js';
import { type Notes } from './notes.js';
import { dmaNamesOf, majorMinor, profileForDmaNames, profileForRelease, profileWithDetach, type ReleaseChoice, releaseOf } from './release.js';
import { type Fact, fact } from './types.js';

/**
 * The release assumed when nothing shows one: 6.12, the newest long-term release with a profile
 * checked against its code, its golden vectors and real captures (reference §0).
 */
export const DEFAULT_RELEASE = '6.12';

export interface KernelInputs {
  readonly flag?: string;
  /** the release the trace file itself names (trace.dat uname) and where */
  readonly header: { readonly kernel: string; readonly source: string } | null;
  /** the capture folder's guest/uname.txt */
  readonly capture: string | null;
  readonly clue: KernelClue;
}

export interface KernelResolution {
  readonly fact: Fact<string>;
  readonly profile: Profile;
  /** the release as the importer keeps it (CaptureInfo.kernel): null when only assumed */
  readonly release: string | null;
}

/** What the trace's events say against a profile, or null when they fit it. */
function eventsAgainst(p: Profile, c: KernelClue): string | null {
  const names = dmaNamesOf(p);
  if (c.dma !== null && names === 'none') return `the trace: it has dma:* events (line ${c.dmaLine}), which exist from Linux 6.12`;
  if (c.dma === '7.x' && names === '6.12') return `the trace: its dma:* events use the 7.x names (dma_map_phys), which ${p.name} does not have`;
  if (c.dma === '6.12' && names === '7.x') return `the trace: its dma:* events use the 6.12 names (dma_map_page), which ${p.name} renamed`;
  if (c.detachLine !== null && !p.core.detachEvent) return `the trace: it has detach_device_from_domain events (line ${c.detachLine}), which ${p.name} no longer has`;
  return null;
}

function choose(version: string, what: string): ReleaseChoice {
  const c = profileForRelease(version);
  if (c === null) throw new InputError(`${what} ${JSON.stringify(version)}: not a kernel release (expected e.g. 6.12 or 6.12.117)`);
  return c;
}

export function resolveKernel(i: KernelInputs, notes: Notes): KernelResolution {
  if (i.flag !== undefined) {
    const c = choose(i.flag, '--kernel');
    const mine = majorMinor(i.flag)!.join('.');
    for (const [v, src] of [
      [i.header?.kernel ?? null, i.header?.source ?? ''],
      [i.capture, 'guest/uname.txt'],
    ] as const)
      if (v !== null && majorMinor(v)?.join('.') !== mine) notes.contradiction(`--kernel ${i.flag}`, `${src} (${v})`);
    const against = eventsAgainst(c.profile, i.clue);
    if (against) notes.contradiction(`--kernel ${i.flag}`, against);
    if (c.note) notes.assume(`${c.profile.name} (${c.note})`);
    return { fact: fact(i.flag, 'given', '--kernel'), profile: c.profile, release: i.flag };
  }
  const stated = i.header ?? (i.capture !== null ? { kernel: i.capture, source: 'guest/uname.txt' } : null);
  if (stated !== null) {
    const c = choose(stated.kernel, stated.source);
    if (c.note) notes.assume(`${c.profile.name} (${c.note}: pass --kernel to choose another)`);
    return { fact: fact(stated.kernel, 'read', stated.source), profile: c.profile, release: stated.kernel };
  }
  const byDetach = i.clue.detachLine !== null ? profileWithDetach() : undefined;
  if (byDetach) {
    notes.assume(`${byDetach.name} (the trace has detach_device_from_domain events, line ${i.clue.detachLine}, which kernels after ~6.2 no longer have; its release is not shown: pass --kernel)`);
    return { fact: fact(releaseOf(byDetach), 'inferred', `detach_device_from_domain events (line ${i.clue.detachLine})`), profile: byDetach, release: releaseOf(byDetach) };
  }
  const byDma = i.clue.dma !== null ? profileForDmaNames(i.clue.dma) : undefined;
  if (byDma) {
    const since = i.clue.dma === '6.12' ? 'Linux 6.12 on, with 6.12 names (dma_map_page)' : 'Linux 7.x, with 7.x names (dma_map_phys)';
    notes.assume(`${byDma.name} (the trace's dma:* events, from line ${i.clue.dmaLine}, exist from ${since}; its release is not shown: pass --kernel)`);
    return { fact: fact(releaseOf(byDma), 'inferred', `dma:* events (line ${i.clue.dmaLine})`), profile: byDma, release: releaseOf(byDma) };
  }
  const c = choose(DEFAULT_RELEASE, 'the default release');
  notes.assume(`${c.profile.name} (the trace names no kernel and shows no event that tells one: pass --kernel)`);
  return { fact: fact(releaseOf(c.profile), 'assumed', 'default'), profile: c.profile, release: null };
}
