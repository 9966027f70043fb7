// The event formats a trace comes with, by name and by ID: a capture folder's formats/ (copies of
// events/<system>/<event>/format), or the formats stored inside a trace.dat.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventFormat, parseEventFormat } from './event-format.js';

export class FormatSet {
  private readonly byName = new Map<string, EventFormat>();
  private readonly byId = new Map<number, EventFormat>();

  add(f: EventFormat): void {
    this.byName.set(f.name, f);
    this.byId.set(f.id, f);
  }

  get(name: string): EventFormat | undefined {
    return this.byName.get(name);
  }

  ofId(id: number): EventFormat | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byName.size;
  }

  /** the `formats/*.format` files of a capture folder (none when there is no folder or no formats/) */
  static fromFolder(folder: string | null, longSize = 8): FormatSet {
    const set = new FormatSet();
    const dir = folder ? join(folder, 'formats') : null;
    if (!dir || !existsSync(dir)) return set;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.format')) continue;
      const parsed = parseEventFormat(readFileSync(join(dir, f), 'utf8'), longSize);
      if (parsed) set.add(parsed);
    }
    return set;
  }
}
