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

/** The newest release profile whose dma:* events have these names (none: no such profile). */
export function profileForDmaNames(names: '6.12' | '7.x'): Profile | undefined {
  const fits = releaseProfiles().filter((p) => (names === '6.12' ? p.dmaTrace === '6.12' : p.dmaTrace !== 'none' && p.dmaTrace !== '6.12'));
  return fits[fits.length - 1];
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
