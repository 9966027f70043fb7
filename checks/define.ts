// defineCheck: a check definition plus its stand-alone RxJS operator form.
import { type Check, type CheckDef } from './check.js';
import { checksOperator } from './operator.js';

export function defineCheck(def: CheckDef): Check {
  const check: Check = { ...def, operator: () => checksOperator([check]) };
  return check;
}
