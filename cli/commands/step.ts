// step INPUT [--at SEQ]: walk the journal one event at a time. On a terminal: n / j next,
// p / k previous, g jumps (type a seq, Enter), q quits. Otherwise the same commands are read
// one per line from stdin ("n", "p", "g 1234", "q"), so a session can be scripted.
import { createInterface } from 'node:readline';
import { type Command } from 'commander';
import { type IommuEvent } from '../../domain-events/index.js';
import { domainStats } from '../../projections/index.js';
import { evolve, type State } from '../../reducers/index.js';
import { type Timeline } from '../../replay/seek.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { formatEvent } from '../format-event.js';
import { bytes, println, warn } from '../output.js';
import { parseIntArg } from '../parse.js';
import { openTimeline } from '../timeline-source.js';

class Stepper {
  seq: number;
  state: State;

  constructor(
    readonly tl: Timeline,
    at: number,
  ) {
    this.seq = at;
    this.state = tl.stateAt(at);
  }

  /** one event on: the event applied to the current state */
  next(): boolean {
    if (this.seq >= this.tl.lastSeq) return false;
    this.seq++;
    this.state = evolve(this.state, this.tl.eventAt(this.seq));
    return true;
  }

  /** one event back: from the nearest anchor or checkpoint */
  prev(): boolean {
    if (this.seq < 0) return false;
    this.seq--;
    this.state = this.tl.stateAt(this.seq);
    return true;
  }

  jump(seq: number): void {
    this.state = this.tl.stateAt(seq);
    this.seq = seq;
  }

  show(): string[] {
    if (this.seq < 0) return ['before the first event'];
    const e: IommuEvent = this.tl.eventAt(this.seq);
    const out = [formatEvent(e)];
    const d = (e as { domain?: unknown }).domain;
    if (typeof d === 'number' && this.state.topology.domains[d] !== undefined) {
      const st = domainStats(this.state, d);
      out.push(`    after: domain ${d} (${st.type}${st.freed ? ', freed' : ''}): ${bytes(st.mappedBytes)} mapped, ${st.maps} maps, ${st.unmaps} unmaps, devices ${st.devices.join(' ') || '-'}`);
    }
    const dev = (e as { device?: unknown }).device;
    if (typeof dev === 'string') {
      const x = this.state.dmaApi.devices[dev];
      if (x) out.push(`    after: ${dev}: ${x.count} live DMA-API mappings (${bytes(x.liveBytes)})`);
    }
    return out;
  }
}

function run(st: Stepper, cmd: string): 'quit' | 'ok' {
  const [c, arg] = cmd.trim().split(/\s+/);
  if (c === 'q' || c === 'quit') return 'quit';
  if (c === 'n' || c === 'j' || c === '') {
    if (!st.next()) warn('at the last event');
  } else if (c === 'p' || c === 'k') {
    if (!st.prev()) warn('before the first event');
  } else if (c === 'g') {
    try {
      st.jump(parseIntArg(arg ?? '', 'g'));
    } catch (err) {
      warn((err as Error).message);
      return 'ok';
    }
  } else {
    warn(`unknown command ${JSON.stringify(c)} (n/j next, p/k previous, g SEQ jump, q quit)`);
    return 'ok';
  }
  for (const l of st.show()) println(l);
  return 'ok';
}

export function registerStep(program: Command): void {
  withTraceFlags(
    program
      .command('step')
      .description('step through events one at a time (n/j next, p/k previous, g SEQ, q quit)')
      .argument('<input>', 'journal, JSONL events, or kernel trace'),
  )
    .option('--at <seq>', 'start after event SEQ', '0')
    .action(
      act(async (input: string, opts: { at: string } & TraceFlagOptions) => {
        const at = parseIntArg(opts.at, '--at');
        const t = await openTimeline(input, { quiet: !process.stderr.isTTY, assume: assumeFrom(opts) });
        for (const p of t.problems) warn(p);
        try {
          const st = new Stepper(t.tl, at);
          for (const l of st.show()) println(l);
          if (process.stdin.isTTY) await interactive(st);
          else {
            const rl = createInterface({ input: process.stdin });
            for await (const line of rl) if (run(st, line) === 'quit') break;
            rl.close();
          }
        } finally {
          t.close();
        }
        return t.problems.length ? 1 : 0;
      }),
    );
}

async function interactive(st: Stepper): Promise<void> {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let typed: string | null = null;
  try {
    await new Promise<void>((done) => {
      stdin.on('data', (key: string) => {
        if (typed !== null) {
          if (key === '\r' || key === '\n') {
            const cmd = `g ${typed}`;
            typed = null;
            process.stdout.write('\n');
            run(st, cmd);
          } else if (/^\d$/.test(key)) {
            typed += key;
            process.stdout.write(key);
          }
          return;
        }
        if (key === 'q' || key === '\u0003') return done();
        if (key === 'g') {
          typed = '';
          process.stdout.write('go to seq: ');
          return;
        }
        run(st, key);
      });
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
