// journal verify | to-jsonl | from-jsonl
import { createWriteStream } from 'node:fs';
import { type Command } from 'commander';
import { InputError } from '../../domain-events/index.js';
import { eventToJsonLine, JournalReader, JournalWriter, readJsonl, verifyJournal } from '../../replay/index.js';
import { act } from '../act.js';
import { bytes, printJson, println, warn } from '../output.js';

export function registerJournal(program: Command): void {
  const journal = program.command('journal').description('inspect and convert journal files');

  journal
    .command('verify')
    .description('check every record of each journal; name the byte offset where damage starts')
    .argument('<files...>', 'journal files')
    .option('--json', 'one JSON object per file')
    .action(act((files: string[], opts: { json?: boolean }) => {
      let bad = 0;
      for (const f of files) {
        let rep;
        try {
          rep = verifyJournal(f);
        } catch (err) {
          bad++;
          if (opts.json) printJson({ file: f, ok: false, error: (err as Error).message });
          else println(`${f}: ${(err as Error).message}`);
          continue;
        }
        if (!rep.ok) bad++;
        if (opts.json) printJson(rep);
        else if (rep.ok) println(`${f}: ok, ${rep.events} events in ${rep.records} records (${rep.checkpoints} checkpoints${rep.checksRecords ? `, ${rep.checksRecords} with the checks' records` : ''}), ${bytes(rep.bytes)}`);
        else
          println(
            `${f}: DAMAGED at byte offset ${rep.damage!.offset}: ${rep.damage!.reason}; ${rep.events} events in ${rep.records} intact records before it`,
          );
      }
      return bad ? 1 : 0;
    }));

  journal
    .command('to-jsonl')
    .description('write the events of a journal as JSON Lines')
    .argument('<journal>')
    .option('-o, --output <file>', 'output file (default stdout)')
    .action(act(async (file: string, opts: { output?: string }) => {
      const r = JournalReader.open(file);
      const out = opts.output ? createWriteStream(opts.output, { flags: 'wx' }) : process.stdout;
      try {
        for (const block of r.eventBlocks()) {
          const text = block.map(eventToJsonLine).join('\n') + '\n';
          if (!out.write(text)) await new Promise<void>((res) => out.once('drain', () => res()));
        }
      } finally {
        r.close();
        if (opts.output) await new Promise((res) => (out as ReturnType<typeof createWriteStream>).end(res));
      }
      if (r.damage) {
        warn(`${file}: damaged at byte offset ${r.damage.offset}: ${r.damage.reason}; the events before it were written`);
        return 1;
      }
      return 0;
    }));

  journal
    .command('from-jsonl')
    .description('build a journal from JSON Lines events')
    .argument('<jsonl>')
    .requiredOption('-o, --output <file>', 'journal to create')
    .option('--force', 'replace an existing output file')
    .action(act((file: string, opts: { output: string; force?: boolean }) => {
      const { events } = readJsonl(file);
      if (events.length === 0) throw new InputError(`${file}: no events`);
      if (events.some((e, i) => e.seq !== i)) {
        events.forEach((e) => ((e as { seq: number }).seq = -1));
      }
      const w = JournalWriter.create(opts.output, { source: file, overwrite: opts.force });
      try {
        w.append(events);
      } finally {
        w.close();
      }
      println(`${opts.output}: ${events.length} events`);
      return 0;
    }));
}
