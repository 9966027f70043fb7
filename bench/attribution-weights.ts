// Measures the evidence weights (ingest/attribute/weights.ts) on captures whose dma:* events name
// the device: each capture is imported blind (trace verify --blind) with candidate weights, and
// the weights that minimise the log loss of the placements' confidence (a proper scoring rule: it
// rewards right placements and honest confidence) are kept. Leave-one-capture-out: the weights
// fitted on all captures but one are scored on that one, which shows how they do on a capture
// they were not fitted to.
//
//   npm run build && node dist/bench/attribution-weights.js CAPTURE... [--loco] [--passes=N]
import { importTrace } from '../ingest/importer.js';
import { type EvidenceWeights, WEIGHTS } from '../ingest/attribute/weights.js';
import { type BlindScore } from '../ingest/attribute/ground-truth.js';

/** the weights searched, each over a grid of multiples of its current value */
const TUNED: (keyof EvidenceWeights)[] = ['phase', 'reuse', 'reuseTask', 'probe', 'attach', 'devicePage', 'driverObject', 'completion', 'blocked', 'blockedTask', 'newest', 'recent', 'allocatorFromStart', 'taskCap', 'workerForgetNs'];
const STEPS = [0.3, 3];

interface Result {
  readonly loss: number;
  readonly score: BlindScore;
}

async function run(capture: string, w: EvidenceWeights): Promise<Result> {
  const r = await importTrace(capture, { output: null, keepEvents: false, blind: true, weights: w });
  const s = r.summary.blind!;
  // binary log loss of "the placement is right" at the stated confidence, per scored line
  return { loss: s.blindLogLoss / Math.max(1, s.blindMaps + s.blindUnmaps), score: s };
}

async function total(captures: readonly string[], w: EvidenceWeights, cache: Map<string, Result>): Promise<number> {
  let sum = 0;
  for (const c of captures) {
    const key = `${c}|${JSON.stringify(w)}`;
    let r = cache.get(key);
    if (!r) cache.set(key, (r = await run(c, w)));
    sum += r.loss;
  }
  return sum / captures.length;
}

async function fit(captures: readonly string[], passes: number, log: (m: string) => void): Promise<EvidenceWeights> {
  const cache = new Map<string, Result>();
  let best: EvidenceWeights = { ...WEIGHTS };
  let bestLoss = await total(captures, best, cache);
  log(`  start: loss ${bestLoss.toFixed(5)}`);
  for (let pass = 0; pass < passes; pass++) {
    let moved = false;
    for (const k of TUNED) {
      for (const f of STEPS) {
        const v = (best[k] as number) * f;
        // likelihood ratios stay on their side of 1 (evidence for stays evidence for)
        const w = { ...best, [k]: k === 'blocked' || k === 'blockedTask' || k === 'allocatorFromStart' ? Math.min(v, 0.99) : k === 'completion' || k.endsWith('Ns') || k === 'taskCap' || k === 'devicePageTasks' ? v : Math.max(v, 1) };
        const l = await total(captures, w, cache);
        if (l < bestLoss - 1e-6) {
          best = w;
          bestLoss = l;
          moved = true;
          log(`  ${k} = ${w[k]}: loss ${l.toFixed(5)}`);
        }
      }
    }
    if (!moved) break;
  }
  return best;
}

function describe(c: string, s: BlindScore): string {
  const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(2) + '%' : '-');
  return `${c}: maps ${pct(s.blindCorrect, s.blindMaps)} of ${s.blindMaps}, unmaps ${pct(s.blindUnmapsCorrect, s.blindUnmaps)}, confident ${pct(s.blindConfidentCorrect, s.blindConfident)} right of ${s.blindConfident}, ambiguous ${s.blindAmbiguous}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const captures = args.filter((a) => !a.startsWith('--'));
  const passes = Number(args.find((a) => a.startsWith('--passes='))?.slice(9) ?? 2);
  const log = (m: string) => process.stderr.write(m + '\n');
  if (args.includes('--loco'))
    for (const held of captures) {
      log(`fitting without ${held}`);
      const w = await fit(
        captures.filter((c) => c !== held),
        passes,
        log,
      );
      log(`held out ${describe(held, (await run(held, w)).score)}`);
      log(`  weights ${JSON.stringify(w)}`);
    }
  log('fitting on all');
  const w = await fit(captures, passes, log);
  for (const c of captures) log(describe(c, (await run(c, w)).score));
  process.stdout.write(JSON.stringify(w, null, 2) + '\n');
}

await main();
