// Exporters write text in pieces to a sink (a file or stdout) so a long journal streams through
// in bounded memory.
export interface TextSink {
  write(s: string): void;
}

/** Collects into a string (tests, small outputs). */
export class StringSink implements TextSink {
  private parts: string[] = [];
  write(s: string): void {
    this.parts.push(s);
  }
  toString(): string {
    return this.parts.join('');
  }
}
