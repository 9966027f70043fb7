// The checks of one run as one RxJS operator: batches in, findings out. On subscribe it makes a
// CheckRunner (its Shadow primed from the first batch's `before` state when there is one, so a
// run can start at a checkpoint); findings come out in event order.
import { Observable, type OperatorFunction } from 'rxjs';
import { type CheckDef, type CheckInput } from './check.js';
import { type Finding } from './finding.js';
import { CheckRunner } from './runner.js';

export function checksOperator(defs: readonly CheckDef[]): OperatorFunction<CheckInput, Finding> {
  return (input) =>
    new Observable<Finding>((out) => {
      let runner: CheckRunner | null = null;
      const make = (b?: CheckInput): CheckRunner => new CheckRunner(defs, (f) => out.next(f), b?.before ? { state: b.before } : undefined);
      const sub = input.subscribe({
        next(b) {
          runner ??= make(b);
          runner.feed(b.events);
        },
        error: (err) => out.error(err),
        complete() {
          (runner ??= make()).finish();
          out.complete();
        },
      });
      return () => sub.unsubscribe();
    });
}
