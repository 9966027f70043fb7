// Text read as bytes (UTF-8, as the file holds it) without making strings: the readers find
// fields as offsets and decode only what a record keeps. What a string would say is kept exact:
// the whitespace String.prototype.trim removes is recognised in its UTF-8 form, and a range is
// decoded as Buffer/StringDecoder decode it (an invalid sequence is one U+FFFD). Line ends and
// every character the tokenizer looks for are ASCII, which UTF-8 never uses inside a multi-byte
// character, so an offset found in the bytes is where the string would have it.

/**
 * Bytes of the whitespace character String.prototype.trim removes that starts at `i` (before
 * `end`), 0 when there is none: TAB, LF, VT, FF, CR, space, U+00A0, U+1680, U+2000–U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
 */
export function spaceAt(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c === 32 || (c >= 9 && c <= 13)) return 1;
  if (c < 0xc2) return 0;
  if (c === 0xc2) return i + 1 < end && b[i + 1] === 0xa0 ? 2 : 0;
  if (i + 2 >= end) return 0;
  const c1 = b[i + 1];
  const c2 = b[i + 2];
  if (c === 0xe2) {
    if (c1 === 0x80) return c2 <= 0x8a && c2 >= 0x80 ? 3 : c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf ? 3 : 0;
    return c1 === 0x81 && c2 === 0x9f ? 3 : 0;
  }
  if (c === 0xe1) return c1 === 0x9a && c2 === 0x80 ? 3 : 0;
  if (c === 0xe3) return c1 === 0x80 && c2 === 0x80 ? 3 : 0;
  if (c === 0xef) return c1 === 0xbb && c2 === 0xbf ? 3 : 0;
  return 0;
}

/** Bytes of the whitespace character that ends just before `end` (after `start`), 0 when none. */
export function spaceBefore(b: Uint8Array, start: number, end: number): number {
  const c = b[end - 1];
  if (c === 32 || (c >= 9 && c <= 13)) return 1;
  if (c < 0x80) return 0;
  if (end - 2 >= start && b[end - 2] === 0xc2 && c === 0xa0) return 2;
  return end - 3 >= start && spaceAt(b, end - 3, end) === 3 ? 3 : 0;
}

/** `start` moved past leading whitespace (as trimStart) */
export function trimStart(b: Uint8Array, start: number, end: number): number {
  while (start < end) {
    const n = spaceAt(b, start, end);
    if (n === 0) break;
    start += n;
  }
  return start;
}

/** `end` moved before trailing whitespace (as trimEnd) */
export function trimEnd(b: Uint8Array, start: number, end: number): number {
  while (end > start) {
    const n = spaceBefore(b, start, end);
    if (n === 0) break;
    end -= n;
  }
  return end;
}

/** the text of [start, end) */
export function utf8(b: Buffer, start: number, end: number): string {
  return b.toString('utf8', start, end);
}

/** the offset of `needle` (ASCII bytes) at or after `from` and wholly before `end`, or -1 */
export function indexOfBytes(b: Uint8Array, needle: Uint8Array, from: number, end: number): number {
  const n = needle.length;
  const first = needle[0];
  outer: for (let i = from; i + n <= end; i++) {
    if (b[i] !== first) continue;
    for (let k = 1; k < n; k++) if (b[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** [start, end) holds exactly the ASCII bytes of `s` */
export function bytesEqual(b: Uint8Array, start: number, end: number, s: Uint8Array): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[start + i] !== s[i]) return false;
  return true;
}

/** [start, end) begins with the bytes of `s` */
export function startsWithBytes(b: Uint8Array, start: number, end: number, s: Uint8Array): boolean {
  if (end - start < s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[start + i] !== s[i]) return false;
  return true;
}

/** the UTF-8 text of [start, end) of any byte array (a Buffer's own or a view on the same memory) */
function utf8Of(b: Uint8Array, start: number, end: number): string {
  return (b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('utf8', start, end);
}

function latin1Of(b: Uint8Array, start: number, end: number): string {
  return (b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('latin1', start, end);
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/**
 * Short strings by their bytes (task names, device names, flags): a trace repeats a few hundred of
 * them millions of times, so each is decoded once. Only ASCII is kept (its bytes are its
 * characters); anything else is decoded each time.
 */
export class Interner {
  private readonly seen = new Map<number, string>();

  constructor(
    private readonly maxLength = 64,
    private readonly maxEntries = 65536,
  ) {}

  get(b: Uint8Array, start: number, end: number): string {
    const len = end - start;
    if (len > this.maxLength) return utf8Of(b, start, end);
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c > 0x7f) return utf8Of(b, start, end);
      h = Math.imul(h ^ c, 0x01000193);
    }
    const key = (h ^ len) >>> 0;
    const hit = this.seen.get(key);
    if (hit !== undefined && hit.length === len) {
      let same = true;
      for (let i = 0; i < len; i++)
        if (hit.charCodeAt(i) !== b[start + i]) {
          same = false;
          break;
        }
      if (same) return hit;
    }
    const s = latin1Of(b, start, end);
    if (this.seen.size < this.maxEntries) this.seen.set(key, s);
    return s;
  }
}
