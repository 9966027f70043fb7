// Kernel releases and the profiles that follow them. The list is whatever
// kernel/profiles/index.ts holds: a profile named "linux-X.Y" follows release X.Y; the others are
// patch series.
import { type Profile } from '../../kernel/profile.js';
import { PROFILES } from '../../kernel/profiles/index.js';

/** [major, minor] of "6.12.117+deb12-amd64", "linux-7.3", "6.1" */
export function majorMinor(version: string): [number, number] | null {
  const m = /(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

const rank = (v: [number, number]) => v[0] * 1000 + v[1];

/** The profiles that follow kernel releases, oldest first. */
export function releaseProfiles(): Profile[] {
  return PROFILES.filter((p) => /^linux-\d+\.\d+$/.test(p.name)).sort((a, b) => rank(majorMinor(a.kernel)!) - rank(majorMinor(b.kernel)!));
}

export interface ReleaseChoice {
  readonly profile: Profile;
  /** why this profile when it does not follow the release itself, else null */
  readonly note: string | null;
}

/**
 * The profile for a release: its own; for a release newer than every profile, the newest; between
 * two, the newest one older than it (its later rules are missing, none it lacks are added); older
 * than all, the oldest. Null for a version string that names no release.
 */
export function profileForRelease(version: string): ReleaseChoice | null {
  const want = majorMinor(version);
  if (want === null) return null;
  const all = releaseProfiles();
  const at = rank(want);
  const exact = all.find((p) => rank(majorMinor(p.kernel)!) === at);
  if (exact) return { profile: exact, note: null };
  const newest = all[all.length - 1];
  const v = `${want[0]}.${want[1]}`;
  if (at > rank(majorMinor(newest.kernel)!)) return { profile: newest, note: `Linux ${v} is newer than every profile: following ${newest.name}, the newest` };
  const older = all.filter((p) => rank(majorMinor(p.kernel)!) < at);
  if (older.length === 0) return { profile: all[0], note: `Linux ${v} is older than every profile: following ${all[0].name}, the oldest` };
  const p = older[older.length - 1];
  return { profile: p, note: `no profile follows Linux ${v}: following ${p.name}, the newest one older than it` };
}

// reference §7.3: dma:* events exist from 6.12 (present in 6.12.117, absent in 6.1.192);
// dma_map_phys replaced dma_map_page after 6.12 (present in 7.2.13; the release of the rename is
// not verified)
const DMA_EVENTS_FROM: [number, number] = [6, 12];
const PHYS_NAMES_BY: [number, number] = [7, 2];

/** The release profile a trace's dma:* events point to: the newest one whose names they are. */
export function profileForDmaNames(names: '6.12' | '7.x'): Profile | undefined {
  const all = releaseProfiles();
  const at = (p: Profile) => rank(majorMinor(p.kernel)!);
  if (names === '7.x') return all.find((p) => at(p) > rank(DMA_EVENTS_FROM));
  const fits = all.filter((p) => at(p) >= rank(DMA_EVENTS_FROM) && at(p) < rank(PHYS_NAMES_BY));
  return fits[fits.length - 1];
}

/** Which dma:* events a release traces: none before 6.12, 6.12 names, 7.x names from 7.2 on. */
export function dmaNamesOf(p: Profile): 'none' | '6.12' | '7.x' | 'either' {
  const at = rank(majorMinor(p.kernel)!);
  if (at < rank(DMA_EVENTS_FROM)) return 'none';
  if (at === rank(DMA_EVENTS_FROM)) return '6.12';
  return at >= rank(PHYS_NAMES_BY) ? '7.x' : 'either';
}

/** The newest release profile that still traces detach_device_from_domain. */
export function profileWithDetach(): Profile | undefined {
  const fits = releaseProfiles().filter((p) => p.core.detachEvent);
  return fits[fits.length - 1];
}

export function releaseOf(p: Profile): string {
  const v = majorMinor(p.kernel);
  return v ? `${v[0]}.${v[1]}` : p.kernel;
}
