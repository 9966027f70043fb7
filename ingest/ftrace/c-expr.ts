// Constant C expressions as the kernel writes them into a format's print fmt once the macros are
// expanded: the masks of __print_flags and the values of __print_symbolic, e.g.
// `(( gfp_t)((((1UL))) << (10)))|(( gfp_t)((((1UL))) << (11)))`. Integer literals (decimal, hex,
// octal, with u/l suffixes), casts to integer types, unary ~ - !, and the binary operators
// * / % + - << >> & ^ |, evaluated as unsigned 64-bit (the kernel's `unsigned long` on the 64-bit
// machines these traces come from). Anything else (an identifier left by an unexpanded macro, a
// function call) is not a constant: the result is null.

const U64 = (1n << 64n) - 1n;

type Tok = { kind: 'num'; value: bigint } | { kind: 'id'; text: string } | { kind: 'op'; text: string };

const OPS = ['<<', '>>', '(', ')', '~', '!', '-', '+', '*', '/', '%', '&', '^', '|'];

function tokenize(src: string): Tok[] | null {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(src.slice(i, i + 40));
    if (num) {
      const digits = num[1];
      const value = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits.startsWith('0') ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
      out.push({ kind: 'num', value });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 80));
    if (id) {
      out.push({ kind: 'id', text: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) return null;
    out.push({ kind: 'op', text: op });
    i += op.length;
  }
  return out;
}

const BINARY: readonly (readonly string[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

class Parser {
  private at = 0;
  constructor(private readonly toks: Tok[]) {}

  done(): boolean {
    return this.at === this.toks.length;
  }

  private peekOp(): string | null {
    const t = this.toks[this.at];
    return t && t.kind === 'op' ? t.text : null;
  }

  binary(level = 0): bigint | null {
    if (level === BINARY.length) return this.unary();
    let left = this.binary(level + 1);
    for (let op = this.peekOp(); left !== null && op !== null && BINARY[level].includes(op); op = this.peekOp()) {
      this.at++;
      const right = this.binary(level + 1);
      if (right === null) return null;
      left = apply(op, left, right);
    }
    return left;
  }

  /** `( type words )` directly followed by an operand is a cast: integer casts keep the value */
  private castAhead(): number {
    let j = this.at + 1;
    while (this.toks[j]?.kind === 'id') j++;
    const close = this.toks[j];
    if (j === this.at + 1 || !close || close.kind !== 'op' || close.text !== ')') return -1;
    const next = this.toks[j + 1];
    if (!next || (next.kind === 'op' && !['(', '~', '!', '-'].includes(next.text))) return -1;
    return j + 1;
  }

  unary(): bigint | null {
    const t = this.toks[this.at];
    if (!t) return null;
    if (t.kind === 'num') {
      this.at++;
      return t.value;
    }
    if (t.kind === 'id') return null;
    if (t.text === '(') {
      const after = this.castAhead();
      if (after >= 0) {
        this.at = after;
        return this.unary();
      }
      this.at++;
      const v = this.binary();
      if (v === null || this.peekOp() !== ')') return null;
      this.at++;
      return v;
    }
    if (t.text === '~' || t.text === '-' || t.text === '!' || t.text === '+') {
      this.at++;
      const v = this.unary();
      if (v === null) return null;
      return t.text === '~' ? ~v & U64 : t.text === '-' ? -v & U64 : t.text === '!' ? (v === 0n ? 1n : 0n) : v;
    }
    return null;
  }
}

function apply(op: string, a: bigint, b: bigint): bigint | null {
  switch (op) {
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '&':
      return a & b;
    case '<<':
      return b > 63n ? 0n : (a << b) & U64;
    case '>>':
      return a >> b;
    case '+':
      return (a + b) & U64;
    case '-':
      return (a - b) & U64;
    case '*':
      return (a * b) & U64;
    case '/':
      return b === 0n ? null : a / b;
    case '%':
      return b === 0n ? null : a % b;
    default:
      return null;
  }
}

/** The value of a constant C expression as an unsigned 64-bit integer, or null when it is not one. */
export function evalConst(src: string): bigint | null {
  const toks = tokenize(src);
  if (!toks || toks.length === 0) return null;
  const p = new Parser(toks);
  const v = p.binary();
  return v !== null && p.done() ? v : null;
}
