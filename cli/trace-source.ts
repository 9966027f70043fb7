// Lets every journal command take a kernel trace (ftrace text, trace-cmd report, a capture
// folder, gzip or not): the trace is imported into a temporary journal first, then read like
// any journal. The temporary file goes away when the source is closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkCompanion } from '../checks/index.js';
import { isTraceInput } from '../ingest/detect.js';
import { importTrace } from '../ingest/importer.js';
import { type EventSource, journalSource, registerSourceLoader } from './inputs.js';
import { warn } from './output.js';
import { warnFacts } from './trace-flags.js';
import { progressBar } from './progress.js';
import { importIssue } from '../ingest/import-status.js';

registerSourceLoader({
  kind: 'trace',
  detect: (path, head) => isTraceInput(path, head),
  async open(path, opts): Promise<EventSource> {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-journal-'));
    const out = join(dir, basename(path).replace(/(\.txt)?(\.gz)?$/, '') + '.journal');
    const bar = progressBar(`importing ${basename(path)}`, opts.quiet);
    try {
      const r = await importTrace(path, { output: out, checkpointEvery: 4096, onProgress: (d, t, n) => bar.update(d, t, n), companion: opts.checks ? checkCompanion() : undefined, assume: opts.assume });
      bar.stop();
      warnFacts(r.summary);
      if (!opts.quiet && r.summary.parseErrors) warn(`${path}: ${r.summary.parseErrors} lines could not be parsed (kept as generic events)`);
      // what the import skipped or lost counts like a journal's damage: the command exits 1
      const issue = importIssue(r.summary);
      const j = journalSource(out, path, issue ? [issue] : []);
      return {
        ...j,
        kind: 'trace',
        path,
        close() {
          j.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      bar.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  },
});

