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
 * `lenient`; otherwise the first one is an InputError. Blank lines are ignored.
 */
export function parseJsonl(text: string, file: string, lenient = false): { events: IommuEvent[]; problems: JsonlProblem[] } {
  const events: IommuEvent[] = [];
  const problems: JsonlProblem[] = [];
  const lines = text.split(/\r?\n/);
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
