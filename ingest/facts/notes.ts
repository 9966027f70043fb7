// What resolving the facts has to say: assumptions (a fact nothing stated), unknowns (a fact
// nothing stated and nothing assumed: what needs it says so) and contradictions (a flag against
// what the trace or capture says). Plain sentences, printed on stderr and kept in the journal.

export class Notes {
  readonly assumed: string[] = [];
  readonly unknown: string[] = [];
  readonly warnings: string[] = [];

  assume(text: string): void {
    this.assumed.push(text);
  }

  unknownFact(text: string): void {
    this.unknown.push(text);
  }

  /** a flag against what the input says: both named, the flag followed */
  contradiction(flag: string, says: string): void {
    this.warnings.push(`${flag} contradicts ${says}; following ${flag.split(' ')[0]}`);
  }

  warn(text: string): void {
    this.warnings.push(text);
  }
}
