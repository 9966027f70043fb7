// A canonical, order-sensitive content hash of a state: slices feed their content in a fixed
// order, never the shape of their trees, so a state replayed whole, in batches or from a
// snapshot hashes the same.
import { createHash, type Hash } from 'node:crypto';

export class Hasher {
  private readonly h: Hash = createHash('sha256');
  private buf: string[] = [];
  private len = 0;

  /** a tagged value: tags keep "1,2" from colliding with "12" */
  add(tag: string, ...values: (string | number | bigint | boolean | null | undefined)[]): void {
    let s = tag;
    for (const v of values) s += '\u0001' + (v === null || v === undefined ? '∅' : typeof v === 'bigint' ? v.toString(16) + 'n' : String(v));
    this.buf.push(s + '\u0002');
    this.len += s.length + 1;
    if (this.len > 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.buf.length) this.h.update(this.buf.join(''));
    this.buf = [];
    this.len = 0;
  }

  digest(): string {
    this.flush();
    return this.h.digest('hex');
  }
}
