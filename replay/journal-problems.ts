// What a reader says about a journal it read: one line for damage or for a writer that did not
// finish, in the same words in every command (stderr, and exit 1: everything before was read).
import { type JournalReader, type JournalStatus } from './journal-reader.js';

export function incompleteText(s: Extract<JournalStatus, { kind: 'incomplete' }>): string {
  const where = s.events === 0 ? 'before the first event' : `after event ${s.events - 1}`;
  return `incomplete: the writer stopped ${where}${s.cutAt !== null ? ` (the file ends inside a record at byte offset ${s.cutAt})` : ' (no end record)'}`;
}

/**
 * Problems with the journal behind `r`, named by `label`: read damage (a corrupt record stops
 * the reading there), a writer that stopped, an end record that disagrees with the file. Before
 * a read, only what the record frames say; after one, its damage too.
 */
export function journalProblems(r: JournalReader, label: string = r.path): string[] {
  const s = r.status();
  const d = r.damage;
  if (d && !(d.truncated && s.kind === 'incomplete')) return [`${label}: journal damaged at byte offset ${d.offset}: ${d.reason}; the events before it were read`];
  if (s.kind === 'incomplete') return [`${label}: ${incompleteText(s)}; the ${s.events} events before it were read`];
  if (s.kind === 'damaged') return [`${label}: journal damaged at byte offset ${s.offset}: ${s.reason}`];
  return [];
}

/** A format-v1 journal cannot say whether its writer finished: said once, not counted as a problem. */
export function journalNotes(r: JournalReader, label: string = r.path): string[] {
  return r.status().kind === 'unchecked' ? [`${label}: format v1 journal (written before journals had an end record): whether its writer finished cannot be checked`] : [];
}
