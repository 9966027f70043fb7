// Kernel releases and the profiles that follow them, as kernel/profiles/index.ts lists them
// (RELEASE_PROFILES, kernelProfile): never a list of our own.
import { type Profile } from '../../kernel/profile.js';
import { kernelProfile, RELEASE_PROFILES } from '../../kernel/profiles/index.js';

/** [major, minor] of "6.12.117+deb12-amd64", "linux-7.3", "6.1" */
export function majorMinor(version: string): [number, number] | null {
  const m = /(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

const rank = (v: [number, number]) => v[0] * 1000 + v[1];

/** The profiles that follow kernel releases, oldest first. */
export function releaseProfiles(): readonly Profile[] {
  return RELEASE_PROFILES;
}

export interface ReleaseChoice {
  readonly profile: Profile;
  /** why this profile when it does not follow the release itself, else null */
  readonly note: string | null;
}

/**
 * The profile for a release (kernelProfile: its own, the nearest of its major line, or the newest
 * for a newer one); a release older than every line with a profile takes the oldest, and says so.
 * Null for a version string that names no release.
 */
export function profileForRelease(version: string): ReleaseChoice | null {
  const want = majorMinor(version);
  if (want === null) return null;
  const k = kernelProfile(version);
  if (k) return { profile: k.profile, note: k.assumed };
  const oldest = RELEASE_PROFILES[0];
  return { profile: oldest, note: `kernel ${want[0]}.${want[1]} is older than every profile: checked with ${oldest.name} (${oldest.kernel}), the oldest` };
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
