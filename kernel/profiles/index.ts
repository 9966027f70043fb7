// Every profile the tool knows, by name.
import { InputError } from '../../domain-events/index.js';
import { type Profile } from '../profile.js';
import { linux61 } from './linux-6.1.js';
import { auger2016v6, auger2016v7 } from './auger-2016.js';
import { ioasid2019 } from './ioasid-2019.js';
import { linux612 } from './linux-6.12.js';
import { linux72 } from './linux-7.2.js';
import { murphy2015 } from './murphy-2015.js';
import { nested2023 } from './nested-2023.js';

export const PROFILES: readonly Profile[] = [linux61, linux612, linux72, auger2016v6, auger2016v7, murphy2015, nested2023, ioasid2019];

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
