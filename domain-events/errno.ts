import { oneOf, opt } from './schema.js';

/** Kernel error codes, by name; the numeric value is what the kernel returns negated. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  EREMOTEIO: 121,
} as const;

export type Errno = keyof typeof ERRNO;

export const errnoNames = Object.keys(ERRNO) as Errno[];

/** An outcome field: null on success, else the kernel's error. */
export const errnoField = opt(oneOf(...(errnoNames as [Errno, ...Errno[]])));

/** -22 → 'EINVAL'; undefined for a code the model does not know. */
export function errnoFromCode(code: number): Errno | undefined {
  const abs = Math.abs(code);
  for (const n of errnoNames) if (ERRNO[n] === abs) return n;
  return undefined;
}

export function errnoCode(e: Errno): number {
  return -ERRNO[e];
}
