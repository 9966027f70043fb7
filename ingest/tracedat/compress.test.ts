// The codecs a version 7 trace.dat may name.
import { compress as zstdCompress } from '@bokuweb/zstd-wasm';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { codecOf, initCodecs } from './compress.js';

const data = Uint8Array.from({ length: 3 * 4096 }, (_, i) => (i * 7) & 0xff);

describe('trace.dat codecs', () => {
  it('inflates zstd frames (compress-zstd.c) and zlib streams (compress-zlib.c) to the size the chunk header gives', async () => {
    await initCodecs();
    expect(codecOf('zstd')!(zstdCompress(data, 3), data.length)).toEqual(data);
    expect(codecOf('zlib')!(deflateSync(data), data.length)).toEqual(data);
  });
  it('refuses data that does not inflate to the stated size, and names no codec for an unknown compression', async () => {
    await initCodecs();
    expect(() => codecOf('zlib')!(deflateSync(data), data.length + 1)).toThrow(/header says/);
    const bad = zstdCompress(data, 3);
    bad[bad.length - 3] ^= 0xff;
    expect(() => codecOf('zstd')!(bad, data.length)).toThrow();
    expect(codecOf('lz4')).toBeNull();
  });
});
