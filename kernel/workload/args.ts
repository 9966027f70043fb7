// Evaluating a statement's arguments: expressions draw from the workload's PRNG and read loop
// variables; every mistake names file:line:column.
import { InputError } from '../../domain-events/index.js';
import { type Arg, type Expr, type Pos, type Statement } from './ast.js';
import { type Prng } from './prng.js';

export type Value = bigint | string;

export interface EvalEnv {
  readonly file: string;
  readonly prng: Prng;
  readonly vars: Map<string, bigint>;
}

export function fail(env: { file: string }, pos: Pos, what: string): never {
  throw new InputError(`${env.file}:${pos.line}:${pos.column}: ${what}`);
}

function num(env: EvalEnv, e: Expr): bigint {
  const v = evaluate(env, e);
  if (typeof v !== 'bigint') fail(env, e.pos, `expected a number, found ${JSON.stringify(v)}`);
  return v;
}

/** rand(lo, hi): uniform; randpow2(lo, hi): a power of two in [lo, hi]; pick(a, b, …): one of them. */
export function evaluate(env: EvalEnv, e: Expr): Value {
  switch (e.k) {
    case 'num':
      return e.value;
    case 'word':
      return e.text;
    case 'var': {
      const v = env.vars.get(e.name);
      if (v === undefined) fail(env, e.pos, `unknown variable $${e.name}`);
      return v;
    }
    case 'call': {
      const arity = (n: number) => e.args.length === n || fail(env, e.pos, `${e.fn}() takes ${n} arguments`);
      switch (e.fn) {
        case 'rand':
          arity(2);
          return env.prng.between(num(env, e.args[0]), num(env, e.args[1]));
        case 'randpow2': {
          arity(2);
          const lo = num(env, e.args[0]);
          const hi = num(env, e.args[1]);
          const pows: bigint[] = [];
          for (let p = 1n; p <= hi; p <<= 1n) if (p >= lo) pows.push(p);
          if (!pows.length) fail(env, e.pos, `no power of two in [${lo}, ${hi}]`);
          return pows[Number(env.prng.between(0n, BigInt(pows.length - 1)))];
        }
        case 'pick':
          if (!e.args.length) fail(env, e.pos, 'pick() needs at least one choice');
          return evaluate(env, e.args[Number(env.prng.between(0n, BigInt(e.args.length - 1)))]);
        case 'cat':
          // names built from parts: cat(proc, $i) → "proc3"
          return e.args.map((a) => String(evaluate(env, a))).join('');
        case 'add':
          return e.args.reduce((s, a) => s + num(env, a), 0n);
        case 'mul':
          return e.args.reduce((s, a) => s * num(env, a), 1n);
        case 'sub': {
          arity(2);
          const v = num(env, e.args[0]) - num(env, e.args[1]);
          return v >= 0n ? v : fail(env, e.pos, `sub() went below zero (${v})`);
        }
        default:
          return fail(env, e.pos, `unknown function ${e.fn}() (known: rand, randpow2, pick, add, sub, mul, cat)`);
      }
    }
  }
}

/** A statement's arguments, checked against what its verb accepts. */
export class Args {
  private readonly byKey = new Map<string, Arg>();
  private readonly positional: Arg[] = [];

  constructor(
    private readonly env: EvalEnv,
    readonly stmt: Statement,
    keys: readonly string[],
    maxPositional: number,
  ) {
    for (const a of stmt.args) {
      if (a.key === null) this.positional.push(a);
      else if (!keys.includes(a.key)) fail(env, a.pos, `${stmt.verb} takes no ${a.key}= (it takes: ${keys.map((k) => k + '=').join(' ') || 'no named arguments'})`);
      else this.byKey.set(a.key, a);
    }
    if (this.positional.length > maxPositional) fail(env, this.positional[maxPositional].pos, `${stmt.verb} takes ${maxPositional} positional argument(s)`);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  private arg(at: string | number): Arg | undefined {
    return typeof at === 'number' ? this.positional[at] : this.byKey.get(at);
  }

  private what(at: string | number): string {
    return typeof at === 'number' ? `argument ${at + 1}` : `${at}=`;
  }

  num(at: string | number, dflt?: bigint): bigint {
    const a = this.arg(at);
    if (!a) return dflt ?? fail(this.env, this.stmt.pos, `${this.stmt.verb} needs ${this.what(at)}`);
    return num(this.env, a.value);
  }

  word(at: string | number, dflt?: string, allowed?: readonly string[]): string {
    const a = this.arg(at);
    if (!a) return dflt ?? fail(this.env, this.stmt.pos, `${this.stmt.verb} needs ${this.what(at)}`);
    const v = evaluate(this.env, a.value);
    if (typeof v !== 'string') fail(this.env, a.pos, `${this.what(at)} must be a name, found ${v}`);
    if (allowed && !allowed.includes(v)) fail(this.env, a.value.pos, `${this.what(at)} must be one of ${allowed.join(', ')}, found ${JSON.stringify(v)}`);
    return v;
  }

  value(at: string | number): Value | undefined {
    const a = this.arg(at);
    return a ? evaluate(this.env, a.value) : undefined;
  }

  posOf(at: string | number): Pos {
    return this.arg(at)?.pos ?? this.stmt.pos;
  }
}
