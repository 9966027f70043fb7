// The compression a version 7 trace.dat names in its header ("zstd", "zlib", or "none"):
// trace-cmd's compress-zstd.c (ZSTD_decompress of one frame) and compress-zlib.c (uncompress(),
// the zlib wrapper). zstd through @bokuweb/zstd-wasm: Node 20 has no zstd; this is the reference
// C decoder compiled to WebAssembly (no native addon, no dependencies), 365 MB/s of CPU on the
// heavy capture's chunks where the pure-JS fzstd gave 42 MB/s and was half the decode time.
import { decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { inflateSync } from 'node:zlib';

export type Codec = (data: Uint8Array, uncompressedSize: number) => Uint8Array;

let ready: Promise<void> | null = null;
let zstdReady = false;

/** loads the zstd decoder (once); every reader awaits it before reading a file */
export function initCodecs(): Promise<void> {
  ready ??= zstdInit().then(() => {
    zstdReady = true;
  });
  return ready;
}

const zstd: Codec = (data, size) => {
  if (!zstdReady) throw new Error('the zstd decoder is not loaded (initCodecs)');
  // the chunk header gives the size: a frame without a content size still inflates
  const out = zstdDecompress(data, { defaultHeapSize: size });
  if (out.length !== size) throw new Error(`zstd gave ${out.length} bytes, the header says ${size}`);
  return out;
};

const zlib: Codec = (data, size) => {
  const out = inflateSync(data);
  if (out.length !== size) throw new Error(`zlib gave ${out.length} bytes, the header says ${size}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
};

/** the codec of a compression name, or null when there is none by that name */
export function codecOf(name: string): Codec | null {
  if (name === 'zstd') return zstd;
  if (name === 'zlib') return zlib;
  return null;
}
