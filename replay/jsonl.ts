// JSON Lines interop: one event per line in its JSON form (u64 as "0x…" strings).
import { readFileSync } from 'node:fs';
import { eventFromJson, eventToJson, type IommuEvent, InputError } from '../domain-events/index.js';

export function eventToJsonLine(e: IommuEvent): string {
  return JSON.stringify(eventToJson(e));
}

export interface JsonlProblem {
  readonly line: number;
  readonly message: string;
}

/**
 * Parses JSONL text into events. Bad lines are reported (file:line: problem) and skipped when
 * `lenient`; otherwise the first one is an InputError. Blank lines are ignored. Events are a
 * journal's positions, so their `seq` must run 0, 1, 2, … without a gap: a gap (a filtered
 * `events --json` listing, lines cut out) would make every state after it wrong, so every reader
 * refuses it the same way, naming file, line and field.
 */
export function parseJsonl(text: string, file: string, lenient = false): { events: IommuEvent[]; problems: JsonlProblem[] } {
  const events: IommuEvent[] = [];
  const problems: JsonlProblem[] = [];
  const lines = text.split(/\r?\n/);
  let renumbered = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let j: unknown;
    try {
      j = JSON.parse(line);
    } catch (err) {
      const p = { line: i + 1, message: `not JSON (${(err as Error).message})` };
      if (!lenient) throw new InputError(`${file}:${p.line}: ${p.message}`);
      problems.push(p);
      continue;
    }
    const v = eventFromJson(j);
    if (!v.ok) {
      if (!lenient) throw new InputError(`${file}:${i + 1}: ${v.error}`);
      problems.push({ line: i + 1, message: v.error });
      continue;
    }
    const want = events.length;
    if (v.event.seq !== want) {
      const what = v.event.seq > want ? `${v.event.seq - want} event${v.event.seq - want === 1 ? '' : 's'} missing before it` : 'out of order';
      const p = { line: i + 1, message: `seq: ${v.event.seq} where ${want} was expected (${what}; a JSONL journal holds every event, numbered from 0 without gaps)` };
      if (!lenient) throw new InputError(`${file}:${p.line}: ${p.message}`);
      // lenient: said once, and the events after keep their order under the positions they now have
      if (!renumbered) problems.push(p);
      renumbered = true;
      (v.event as { seq: number }).seq = want;
    }
    events.push(v.event);
  }
  return { events, problems };
}

export function readJsonl(path: string, lenient = false): { events: IommuEvent[]; problems: JsonlProblem[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseJsonl(text, path, lenient);
}
