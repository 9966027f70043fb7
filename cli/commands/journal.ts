// journal verify | to-jsonl | from-jsonl
import { type Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError, isInputError } from '../../domain-events/index.js';
import { eventToJsonLine, isJournalFile, journalNotes, journalProblems, JournalReader, JournalWriter, readJsonl, verifyJournal } from '../../replay/index.js';
import { act } from '../act.js';
import { bytes, printJson, println, warn } from '../output.js';
import { checkOutputPath, forceOption, OutputFile } from '../output-file.js';

export function registerJournal(program: Command): void {
  const journal = program.command('journal').description('inspect and convert journal files');

  journal
    .command('verify')
    .description('check every record of each journal; name the byte offset where damage starts')
    .argument('<files...>', 'journal files')
    .option('--json', 'one JSON object per file')
    .action(act((files: string[], opts: { json?: boolean }) => {
      // 1: a journal found damaged or incomplete (its header too); 2: a file that is no journal at all
      let status = 0;
      for (const f of files) {
        let rep;
        try {
          if (!isJournalFile(f)) throw Object.assign(new InputError(existsSync(f) ? `${f}: not an iommu-journal file (bad magic at offset 0)` : `${f}: no such file`), { unusable: true });
          rep = verifyJournal(f);
        } catch (err) {
          if (!isInputError(err)) throw err;
          const unusable = (err as { unusable?: boolean }).unusable === true;
          status = Math.max(status, unusable ? 2 : 1);
          if (opts.json) printJson({ file: f, ok: false, error: (err as Error).message });
          else if (unusable) warn((err as Error).message);
          else println((err as Error).message);
          continue;
        }
        if (!rep.ok) status = Math.max(status, 1);
        const counts = `${rep.events} events in ${rep.records} records (${rep.checkpoints} checkpoints${rep.checksRecords ? `, ${rep.checksRecords} with the checks' records` : ''})`;
        if (opts.json) printJson(rep);
        else if (rep.damage)
          println(`${f}: DAMAGED at byte offset ${rep.damage.offset}: ${rep.damage.reason}; ${rep.events} events in ${rep.records} intact records before it`);
        else if (rep.incomplete) println(`${f}: ${rep.incomplete}; ${rep.events} events in ${rep.records} intact records before it`);
        else if (rep.complete === null) println(`${f}: ok, ${counts}, ${bytes(rep.bytes)}; format v1 has no end record, so whether its writer finished cannot be checked`);
        else println(`${f}: ok, ${counts}, ${bytes(rep.bytes)}, closed by its writer`);
      }
      return status;
    }));

  forceOption(
    journal
      .command('to-jsonl')
      .description('write the events of a journal as JSON Lines')
      .argument('<journal>')
      .option('-o, --output <file>', 'output file (default stdout)'),
  ).action(
    act(async (file: string, opts: { output?: string; force?: boolean }) => {
      if (opts.output) checkOutputPath(opts.output, !!opts.force);
      const r = JournalReader.open(file);
      let out: OutputFile | null = null;
      try {
        out = opts.output ? OutputFile.create(opts.output, !!opts.force) : null;
        for (const block of r.eventBlocks()) {
          const text = block.map(eventToJsonLine).join('\n') + '\n';
          if (out) out.write(text);
          else if (!process.stdout.write(text)) await new Promise<void>((res) => process.stdout.once('drain', () => res()));
        }
        out?.commit();
      } catch (err) {
        out?.abort();
        throw err;
      } finally {
        r.close();
      }
      const problems = journalProblems(r, file);
      for (const p of [...journalNotes(r, file), ...problems]) warn(p);
      return problems.length ? 1 : 0;
    }),
  );

  forceOption(
    journal
      .command('from-jsonl')
      .description('build a journal from JSON Lines events')
      .argument('<jsonl>')
      .requiredOption('-o, --output <file>', 'journal to create'),
    'journal',
  ).action(
    act((file: string, opts: { output: string; force?: boolean }) => {
      checkOutputPath(opts.output, !!opts.force);
      const { events } = readJsonl(file);
      if (events.length === 0) throw new InputError(`${file}: no events`);
      const w = JournalWriter.create(opts.output, { source: file, overwrite: opts.force });
      try {
        w.append(events);
      } catch (err) {
        w.abandon();
        throw err;
      }
      w.close();
      println(`${opts.output}: ${events.length} events`);
      return 0;
    }),
  );
}
