// Every profile the tool knows, by name.
import { InputError } from '../../domain-events/index.js';
import { type Profile } from '../profile.js';
import { linux61 } from './linux-6.1.js';
import { linux612 } from './linux-6.12.js';

export const PROFILES: readonly Profile[] = [linux61, linux612];

export function getProfile(name: string): Profile {
  const p = PROFILES.find((x) => x.name === name);
  if (!p) throw new InputError(`unknown profile ${JSON.stringify(name)} (known: ${PROFILES.map((x) => x.name).join(', ')})`);
  return p;
}

/** "linux-6.1.192" / "6.12.117" / "6.12" -> the profile that follows that release */
export function profileForKernel(kernel: string): Profile | undefined {
  const m = /(\d+)\.(\d+)/.exec(kernel);
  if (!m) return undefined;
  const want = `${m[1]}.${m[2]}`;
  return PROFILES.find((p) => p.kernel.split('.').slice(0, 2).join('.') === want);
}
