// Workload text → syntax tree. Line based: `#` starts a comment, `repeat N {` opens a block that
// `}` alone on a line closes. Every error names file:line:column and what was expected.
import { InputError } from '../../domain-events/index.js';
import { type Arg, type Expr, type Node, type Pos, type WorkloadFile } from './ast.js';

const UNITS: Record<string, bigint> = { K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n, ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n };

class LineReader {
  i = 0;
  constructor(
    readonly file: string,
    readonly text: string,
    readonly line: number,
  ) {}
  fail(what: string, at = this.i): never {
    throw new InputError(`${this.file}:${this.line}:${at + 1}: ${what}`);
  }
  pos(at = this.i): Pos {
    return { line: this.line, column: at + 1 };
  }
  skipSpace(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i])) this.i++;
  }
  get done(): boolean {
    return this.i >= this.text.length;
  }
  peek(): string {
    return this.text[this.i] ?? '';
  }
  word(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_.:\-]*/.exec(this.text.slice(this.i));
    if (!m) this.fail(`expected a name, found ${JSON.stringify(this.peek() || 'end of line')}`);
    this.i += m[0].length;
    return m[0];
  }
}

function parseNumber(r: LineReader): Expr {
  const start = r.i;
  const m = /^(0x[0-9a-fA-F_]+|[0-9][0-9_]*)(K|M|G|T|ns|us|ms|s)?(?![A-Za-z0-9_])/.exec(r.text.slice(r.i));
  if (!m) r.fail(`bad number ${JSON.stringify(r.text.slice(r.i).split(/[\s,)]/)[0])}`);
  r.i += m[0].length;
  const value = BigInt(m[1].replace(/_/g, '')) * (m[2] ? UNITS[m[2]] : 1n);
  return { k: 'num', value, pos: r.pos(start) };
}

function parseExpr(r: LineReader): Expr {
  const start = r.i;
  const c = r.peek();
  if (c === '$') {
    r.i++;
    return { k: 'var', name: r.word(), pos: r.pos(start) };
  }
  // a number, unless more name characters follow (PCI names like 0000:00:08.0 are words)
  if (/[0-9]/.test(c)) {
    const tok = /^[A-Za-z0-9_.:\-]+/.exec(r.text.slice(r.i))![0];
    if (!/^(0x[0-9a-fA-F_]+|[0-9][0-9_]*)(K|M|G|T|ns|us|ms|s)?$/.test(tok) && /[.:]/.test(tok)) {
      r.i += tok.length;
      return { k: 'word', text: tok, pos: r.pos(start) };
    }
    return parseNumber(r);
  }
  if (c === '"') {
    const end = r.text.indexOf('"', r.i + 1);
    if (end < 0) r.fail('unterminated string');
    r.i = end + 1;
    return { k: 'word', text: r.text.slice(start + 1, end), pos: r.pos(start) };
  }
  const w = r.word();
  if (r.peek() !== '(') return { k: 'word', text: w, pos: r.pos(start) };
  r.i++;
  const args: Expr[] = [];
  for (;;) {
    r.skipSpace();
    if (r.peek() === ')') break;
    args.push(parseExpr(r));
    r.skipSpace();
    if (r.peek() === ',') r.i++;
    else if (r.peek() !== ')') r.fail(`expected "," or ")" in ${w}(…)`);
  }
  r.i++;
  return { k: 'call', fn: w, args, pos: r.pos(start) };
}

function parseArgs(r: LineReader): Arg[] {
  const args: Arg[] = [];
  for (r.skipSpace(); !r.done; r.skipSpace()) {
    const start = r.i;
    const key = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(r.text.slice(r.i));
    if (key) r.i += key[0].length;
    if (r.done || /\s/.test(r.peek())) r.fail(`missing value after ${key ? key[1] + '=' : ''}`);
    const value = parseExpr(r);
    if (!r.done && !/\s/.test(r.peek())) r.fail(`unexpected ${JSON.stringify(r.peek())}`);
    args.push({ key: key ? key[1] : null, value, pos: r.pos(start) });
  }
  return args;
}

function stripComment(line: string): string {
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') inStr = !inStr;
    else if (line[i] === '#' && !inStr) return line.slice(0, i);
  }
  return line;
}

export function parseWorkload(text: string, path: string, name: string): WorkloadFile {
  const lines = text.split(/\r?\n/);
  const description = (lines.find((l) => l.startsWith('#')) ?? '').replace(/^#\s*/, '').replace(/^[\w-]+\s*[—:-]\s*/, '');
  const stack: { body: Node[]; pos: Pos; count: Expr | null }[] = [{ body: [], pos: { line: 0, column: 0 }, count: null }];
  lines.forEach((raw, idx) => {
    const r = new LineReader(path, stripComment(raw).trimEnd(), idx + 1);
    r.skipSpace();
    if (r.done) return;
    const start = r.i;
    if (r.peek() === '}') {
      r.i++;
      r.skipSpace();
      if (!r.done) r.fail('nothing may follow "}" on its line');
      if (stack.length === 1) r.fail('"}" without an open repeat block', start);
      const b = stack.pop()!;
      stack[stack.length - 1].body.push({ k: 'repeat', count: b.count!, body: b.body, pos: b.pos });
      return;
    }
    const verb = r.word();
    if (verb === 'repeat') {
      r.skipSpace();
      if (r.done || r.peek() === '{') r.fail('repeat needs a count');
      const count = parseExpr(r);
      r.skipSpace();
      if (r.peek() !== '{') r.fail('expected "{" after the repeat count');
      r.i++;
      r.skipSpace();
      if (!r.done) r.fail('the block starts on the next line');
      stack.push({ body: [], pos: r.pos(start), count });
      return;
    }
    const restAt = r.i;
    const text = r.text.slice(restAt).trim().replace(/^"(.*)"$/, '$1');
    const args = verb === 'step' ? [] : parseArgs(r);
    stack[stack.length - 1].body.push({ k: 'stmt', verb, args, text, pos: r.pos(start) });
  });
  if (stack.length > 1) {
    const open = stack[stack.length - 1].pos;
    throw new InputError(`${path}:${open.line}:${open.column}: repeat block never closed with "}"`);
  }
  return { path, name, description, body: stack[0].body };
}
