// How a finding reads on the command line: its JSON object (check --json) and its text lines.
import { type Finding } from '../checks/index.js';
import { CONFIDENT_AT } from '../domain-events/index.js';

export function findingJson(f: Finding): Record<string, unknown> {
  return {
    check: f.check,
    version: f.checkVersion,
    severity: f.severity,
    seq: f.seq,
    line: f.line,
    message: f.message,
    related: f.related.map((r) => ({ seq: r.seq, line: r.line })),
    confidence: f.confidence,
    domain: f.domain,
    address: f.address,
    addressSpace: f.addressSpace,
  };
}

export function findingText(f: Finding, input: string): string[] {
  const at = f.line !== null ? `${f.src ?? input}:${f.line}` : `#${f.seq}`;
  // a finding rests on attributions: below CONFIDENT_AT one of them is ambiguous
  const conf = f.confidence < CONFIDENT_AT ? ` (confidence ${f.confidence}: ambiguous, it rests on a line attribution is not sure of)` : f.confidence < 1 ? ` (confidence ${f.confidence})` : '';
  return [`${at}: ${f.severity}: [${f.check}] ${f.message}${conf}`, ...f.related.map((r) => `    related #${r.seq}${r.line !== null ? ` (${r.src ?? input}:${r.line})` : ''}`)];
}

export function checkSummary(input: string, events: number, by: Record<Finding['severity'], number>): string {
  return `${input}: ${events} events, ${by.error} errors, ${by.warning} warnings, ${by.info} info`;
}
