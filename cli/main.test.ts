// The exit-code rule of docs/exit-codes.md, command by command, over the real command line:
// 0 everything read; 1 done, but something was skipped or found; 2 nothing done, the input or
// the arguments are unusable; 70 only for a bug (never seen here: no case may print "internal
// error"). The table below is the one in the doc; a command added without a row fails the
// last test.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalReader } from '../replay/index.js';
import { buildProgram } from './main.js';
import { runCli } from './test-support/run-cli.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-exit-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

const CAPTURE = 'fixtures/traces/x86-q35-vtd-vfio-612';
const OTHER = 'fixtures/traces/x86-q35-vtd-passthrough';
const SHORT = 'fixtures/scenarios/iommu--unmap-short.jsonl';
const DEMO = 'fixtures/journals/demo.jsonl';
const ORACLE = 'fixtures/oracles/ioasid/ioasid_edge.v6.1.jsonl';

// inputs made once: J a whole journal, K the same cut where its writer would have stopped,
// a JSONL with a seq gap, a trace with a malformed line, a QEMU log with an unreadable fill,
// an oracle file with a wrong answer, a workload whose expectation fails, a flipped header.
const J = at('j.journal');
const K = at('k.journal');
const GAP = at('gap.jsonl');
const BADTRACE = at('bad-trace.txt');
const BADLOG = at('bad-qemu.log');
const BADORACLE = at('bad-oracle.jsonl');
const FAILWL = at('fail.wl');
const OKWL = at('ok.wl');
const HDR = at('hdr.journal');
const EXISTING = at('existing.out');
const FOLDER = at('folder');

beforeAll(async () => {
  expect((await runCli(['import', CAPTURE, '-o', J])).code).toBe(0);
  copyFileSync(J, K);
  const r = JournalReader.open(K);
  const st = r.status();
  r.close();
  truncateSync(K, st.kind === 'complete' ? st.end.bytes : 0);
  const demo = readFileSync(DEMO, 'utf8').split('\n');
  writeFileSync(GAP, [...demo.slice(0, 4), ...demo.slice(5)].join('\n'));
  const trace = readFileSync(join(CAPTURE, 'trace.txt'), 'utf8');
  writeFileSync(BADTRACE, trace.replace(/(map: IOMMU: iova=0x[0-9a-f]+ - 0x[0-9a-f]+ paddr=)0x[0-9a-f]+/, '$1banana'));
  writeFileSync(BADLOG, Buffer.concat([gunzipSync(readFileSync(join(CAPTURE, 'qemu_iommu_trace.log.gz'))), Buffer.from('1@1.0:vtd_iotlb_page_update garbled\n')]));
  writeFileSync(at('bad-qemu.log.gz'), gzipSync(readFileSync(BADLOG)));
  writeFileSync(BADORACLE, readFileSync(ORACLE, 'utf8').replace('"max":100,"private":10,"id":0}', '"max":100,"private":10,"id":7}'));
  const wl = 'platform arm-smmu-v3\ncpus 1\nseed 1\nstep s\ndomain d type=UNMANAGED owner=vfio\nmap d iova=0x1000 size=4K prot=rw expect=';
  writeFileSync(FAILWL, wl + 'EEXIST\n');
  writeFileSync(OKWL, wl + 'ok\n');
  const hdr = readFileSync(J);
  hdr[12] ^= 0x40;
  writeFileSync(HDR, hdr);
  writeFileSync(EXISTING, 'keep me\n');
  mkdirSync(FOLDER);
});

type Case = readonly [args: readonly string[], code: 0 | 1 | 2, err?: RegExp];

/** Per command: the cases that reach each exit code it can give. `new:` paths are fresh outputs. */
const TABLE: Record<string, readonly Case[]> = {
  import: [
    [[CAPTURE, '-o', 'new:a.journal'], 0],
    [[BADTRACE, '-o', 'new:b.journal'], 1, /parseErrors 1/],
    [['/nope', '-o', 'new:c.journal'], 2, /\/nope: no such file/],
    [[CAPTURE, '-o', J], 2, /already exists .*--force/],
    [[CAPTURE, '-o', '/nonexistent/d/x.journal'], 2, /\/nonexistent\/d\/x\.journal: cannot write there: .*no such directory \(ENOENT\)/],
    [[CAPTURE, '-o', FOLDER, '-f'], 2, /is a directory/],
  ],
  'trace verify': [
    [[CAPTURE], 0],
    [[BADTRACE], 1],
    [['/nope'], 2],
  ],
  'trace hwcheck': [
    [[CAPTURE], 0],
    [[CAPTURE, '--log', BADLOG], 1],
    [[BADTRACE], 2, /no qemu_iommu_trace\.log/],
  ],
  replay: [
    [[J], 0],
    [[K], 1, /incomplete: the writer stopped after event 442 \(no end record\)/],
    [[BADTRACE], 1, /parseErrors 1/],
    [[GAP], 2, /gap\.jsonl:5: seq: 5 where 4 was expected \(1 event missing before it/],
    [['/nope'], 2],
  ],
  state: [
    [[J], 0],
    [[J, '--at', '100', '--domain', '2'], 0],
    [[K, '--at', '10'], 1, /incomplete/],
    [[J, '--at', '99999'], 2, /past the end/],
    [[J, '--domain', '999999'], 2, /domain 999999: no such domain at event #442/],
    [[GAP, '--at', '3'], 2, /seq: 5 where 4/],
  ],
  events: [
    [[J, '--type', 'MarkerWritten'], 0],
    [[K, '--limit', '1'], 1, /incomplete/],
    [[J, '--type', 'Nope'], 2, /unknown event type/],
    [[GAP, '--range', '0x1000'], 2, /seq: 5 where 4/],
  ],
  history: [
    [[J, '--domain', '2'], 0],
    [[K, '--domain', '2'], 1, /incomplete/],
    [[J, '--iova', '0xdead000000000'], 2, /no event ever touched it/],
    [[GAP, '--domain', '1'], 2, /seq: 5 where 4/],
  ],
  step: [[[J, '--at', '99999'], 2, /past the end/]], // the others read commands from stdin: spawned below
  check: [
    [[J], 0],
    [[SHORT], 1],
    [[K], 1, /incomplete/],
    [[J, '--only', 'nope'], 2],
  ],
  bisect: [
    [[J], 0],
    [[SHORT], 1],
    [[K, '--where', 'maps >= 1000000'], 1, /incomplete/],
    [[J, '--where', 'mapped banana'], 2],
  ],
  simulate: [
    [['-p', 'linux-6.12', '-w', OKWL, '-o', 'new:s.journal'], 0],
    [['-p', 'linux-6.12', '-w', FAILWL, '-o', 'new:f.journal'], 1, /expected EEXIST, got ok/],
    [['-p', 'nope', '-w', 'vfio-msi', '-o', 'new:n.journal'], 2],
    [['-p', 'linux-6.12', '-w', 'vfio-msi', '-o', EXISTING], 2, /already exists/],
  ],
  diff: [
    [[J, J], 0],
    [[J, OTHER], 1],
    [[K, J], 1, /incomplete/],
    [[J, '/nope'], 2],
  ],
  'journal verify': [
    [[J], 0],
    [[K], 1],
    [[HDR], 1],
    [['/nope'], 2],
    [[DEMO], 2],
  ],
  'journal to-jsonl': [
    [[J, '-o', 'new:t.jsonl'], 0],
    [[K], 1, /incomplete/],
    [[J, '-o', EXISTING], 2, /already exists/],
    [[J, '-o', '/nonexistent/x.jsonl'], 2, /no such directory/],
  ],
  'journal from-jsonl': [
    [[DEMO, '-o', 'new:d.journal'], 0],
    [[GAP, '-o', 'new:g.journal'], 2, /seq: 5 where 4/],
    [[DEMO, '-o', EXISTING], 2, /already exists/],
  ],
  export: [
    [[J, '--format', 'csv'], 0],
    [[J, '--format', 'chrome', '-o', 'new:e.json'], 0],
    [[K, '--format', 'jsonl'], 1, /incomplete/],
    [[J, '--format', 'csv', '-o', EXISTING], 2, /already exists/],
    [[J, '--format', 'csv', '-o', '/nonexistent/d/x.csv'], 2, /no such directory/],
    [[J, '--format', 'csv', '-o', FOLDER, '--force'], 2, /is a directory/],
    [[J, '--format', 'nope'], 2],
  ],
  'oracle verify': [
    [[ORACLE], 0],
    [[BADORACLE], 1],
    [['/nope.jsonl'], 2],
    [[ORACLE, '--profile', 'nope'], 2],
  ],
  ui: [
    [[GAP, '--no-open'], 2, /seq: 5 where 4/],
    [[J, '--port', '70000', '--no-open'], 2, /--port: 70000 is out of range/],
  ], // serving until Ctrl-C: spawned below
  demo: [], // 0 in cli/commands/demo.test.ts (it imports two captures: once is enough)
};

let fresh = 0;
const resolveArgs = (args: readonly string[]) => args.map((a) => (a.startsWith('new:') ? at(`${fresh++}-${a.slice(4)}`) : a));

describe('exit codes (docs/exit-codes.md)', () => {
  for (const [command, cases] of Object.entries(TABLE))
    for (const [args, code, err] of cases)
      it(`${command} ${args.join(' ')} → ${code}`, async () => {
        const r = await runCli([...command.split(' '), ...resolveArgs(args)]);
        expect(r.err).not.toMatch(/internal error/);
        expect(r.code, r.err).toBe(code);
        if (err) expect(r.err).toMatch(err);
        if (code === 2) expect(r.err.trim().split('\n').filter((l) => l.startsWith('iommu-journal: ')).length, r.err).toBeGreaterThan(0);
      });

  it('a refused output leaves an existing file as it was', () => {
    expect(readFileSync(EXISTING, 'utf8')).toBe('keep me\n');
  });

  it('every command has its row', () => {
    const names: string[] = [];
    for (const c of buildProgram().commands) {
      if (c.commands.length) for (const s of c.commands) names.push(`${c.name()} ${s.name()}`);
      else names.push(c.name());
    }
    expect(names.sort()).toEqual(Object.keys(TABLE).sort());
  });
});

/** The built CLI as a child: what it printed and how it ended. `until`: a stdout text that triggers `then`. */
function spawnCli(args: string[], opts: { stdin?: string; until?: RegExp; then?: (kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/iommu-journal', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let fired = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!fired && opts.until?.test(out)) {
        fired = true;
        opts.then?.((s) => child.kill(s));
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(opts.stdin ?? '');
  });
}

describe('exit codes of the commands that wait (built CLI)', () => {
  it('step: 0 read, 1 incomplete', async () => {
    expect((await spawnCli(['step', J, '--at', '3'], { stdin: 'n\nq\n' })).code).toBe(0);
    const k = await spawnCli(['step', K, '--at', '3'], { stdin: 'q\n' });
    expect(k.code).toBe(1);
    expect(k.err).toMatch(/incomplete: the writer stopped after event 442/);
  });

  it('ui: 0 after Ctrl-C, 1 after showing an incomplete journal', async () => {
    const stop = { until: /listening on http:\/\/127\.0\.0\.1:\d+\//, then: (kill: (s: NodeJS.Signals) => void) => kill('SIGINT') };
    const ok = await spawnCli(['ui', J, '--no-open'], stop);
    expect(ok.code, ok.err).toBe(0);
    const k = await spawnCli(['ui', K, '--no-open'], stop);
    expect(k.code).toBe(1);
    expect(k.err).toMatch(/incomplete/);
  });

  it('a writer given an unwritable output: one line, no stack, no unhandled error event', async () => {
    // the reproducer; the table above has the other writers in-process
    const r = await spawnCli(['journal', 'to-jsonl', J, '-o', '/nonexistent/x.jsonl']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/Error|at .*\.js/);
  });
});
