// Every profile the tool knows, by name, and the profile a kernel release is checked with.
import { InputError } from '../../domain-events/index.js';
import { type Profile } from '../profile.js';
import { linux61 } from './linux-6.1.js';
import { auger2016v6, auger2016v7 } from './auger-2016.js';
import { ioasid2019 } from './ioasid-2019.js';
import { linux612 } from './linux-6.12.js';
import { linux73 } from './linux-7.3.js';
import { murphy2015 } from './murphy-2015.js';
import { nested2023 } from './nested-2023.js';

export const PROFILES: readonly Profile[] = [linux61, linux612, linux73, auger2016v6, auger2016v7, murphy2015, nested2023, ioasid2019];

/** The profiles that follow a kernel release (not a patch series on top of one), oldest first. */
export const RELEASE_PROFILES: readonly Profile[] = [linux61, linux612, linux73];

export function getProfile(name: string): Profile {
  const p = PROFILES.find((x) => x.name === name);
  if (!p) throw new InputError(`unknown profile ${JSON.stringify(name)} (known: ${PROFILES.map((x) => x.name).join(', ')})`);
  return p;
}

export interface KernelProfile {
  readonly profile: Profile;
  /**
   * null when the profile follows that release line; otherwise what was assumed, in one line
   * (the kernel has no profile of its own and another release's rules stand in for it)
   */
  readonly assumed: string | null;
}

type Release = readonly [major: number, minor: number];

function releaseOf(kernel: string): Release | undefined {
  const m = /(\d+)\.(\d+)/.exec(kernel);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const cmp = (a: Release, b: Release) => a[0] - b[0] || a[1] - b[1];

/**
 * "linux-6.1.192" / "6.12.117" / "7.2.13" -> the release profile of that line; a release of a
 * major line with a profile but no profile of its own -> the nearest one in that line (ties go
 * to the newer); a release newer than every profile -> the newest. Each stand-in says so.
 * Older than every profile, or of a major line before the oldest: undefined (the caller decides).
 */
export function kernelProfile(kernel: string): KernelProfile | undefined {
  const want = releaseOf(kernel);
  if (!want) return undefined;
  const rel = (p: Profile) => releaseOf(p.kernel)!;
  const exact = RELEASE_PROFILES.find((p) => cmp(rel(p), want) === 0);
  if (exact) return { profile: exact, assumed: null };
  const shown = `${want[0]}.${want[1]}`;
  const newest = RELEASE_PROFILES[RELEASE_PROFILES.length - 1];
  if (cmp(want, rel(newest)) > 0) {
    return { profile: newest, assumed: `kernel ${shown} is newer than every profile: checked with ${newest.name} (${newest.kernel}), the newest` };
  }
  const line = RELEASE_PROFILES.filter((p) => rel(p)[0] === want[0]);
  if (line.length === 0) return undefined;
  const dist = (p: Profile) => Math.abs(rel(p)[1] - want[1]);
  const near = line.reduce((best, p) => (dist(p) <= dist(best) ? p : best));
  return { profile: near, assumed: `no profile follows kernel ${shown}: checked with ${near.name} (${near.kernel}), the nearest ${want[0]}.x profile` };
}

/** The profile of kernelProfile, without saying whether it was a stand-in. */
export function profileForKernel(kernel: string): Profile | undefined {
  return kernelProfile(kernel)?.profile;
}
