import { describe, expect, it } from 'vitest';
import { getProfile, kernelProfile, profileForKernel } from './index.js';

describe('kernelProfile: the profile a kernel release is checked with', () => {
  it('a release with a profile of its own gets it, with nothing assumed', () => {
    expect(kernelProfile('linux-6.1.192')).toEqual({ profile: getProfile('linux-6.1'), assumed: null });
    expect(kernelProfile('6.12.117')?.profile.name).toBe('linux-6.12');
    expect(kernelProfile('7.3.4')).toEqual({ profile: getProfile('linux-7.3'), assumed: null });
    // another 7.3 stable release follows the same line
    expect(kernelProfile('7.3.9')?.assumed).toBeNull();
  });

  it('a 7.x release without a profile of its own gets the 7.x profile, and says so', () => {
    const r = kernelProfile('7.2.13-amd64')!;
    expect(r.profile.name).toBe('linux-7.3');
    expect(r.assumed).toBe('no profile follows kernel 7.2: checked with linux-7.3 (7.3.4), the nearest 7.x profile');
  });

  it('a release newer than every profile gets the newest one, and says so', () => {
    expect(kernelProfile('7.4.1')).toEqual({ profile: getProfile('linux-7.3'), assumed: 'kernel 7.4 is newer than every profile: checked with linux-7.3 (7.3.4), the newest' });
    expect(kernelProfile('8.0')?.profile.name).toBe('linux-7.3');
  });

  it('a patch series on top of a release is never picked for that release', () => {
    // nested-2023 and ioasid-2019 follow 6.12.117 too
    expect(profileForKernel('6.12.117')?.name).toBe('linux-6.12');
  });

  it('nothing for an unreadable version or a major line before every profile', () => {
    expect(kernelProfile('vendor')).toBeUndefined();
    expect(kernelProfile('5.15.0')).toBeUndefined();
  });
});
