// The workload language's syntax tree (grammar in docs/series.md, "The workload language", and at the top of every
// file in fixtures/workloads/). A statement is `verb positional… key=value…`; values are
// expressions evaluated each time the statement runs, so `rand(…)` draws afresh in a loop.
export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type Expr =
  | { readonly k: 'num'; readonly value: bigint; readonly pos: Pos }
  | { readonly k: 'word'; readonly text: string; readonly pos: Pos }
  | { readonly k: 'var'; readonly name: string; readonly pos: Pos }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[]; readonly pos: Pos };

export interface Arg {
  readonly key: string | null;
  readonly value: Expr;
  readonly pos: Pos;
}

export interface Statement {
  readonly k: 'stmt';
  readonly verb: string;
  readonly args: readonly Arg[];
  /** the rest of the line, for `step` */
  readonly text: string;
  readonly pos: Pos;
}

export interface Repeat {
  readonly k: 'repeat';
  readonly count: Expr;
  readonly body: readonly Node[];
  readonly pos: Pos;
}

export type Node = Statement | Repeat;

export interface WorkloadFile {
  readonly path: string;
  readonly name: string;
  /** the first comment line: one line for `simulate --list` */
  readonly description: string;
  readonly body: readonly Node[];
}
