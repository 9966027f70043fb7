// JSON Lines: the events in their JSON form, one per line (the form `journal from-jsonl` reads).
import { eventToJson, type IommuEvent } from '../../domain-events/index.js';
import { type TextSink } from './sink.js';

export function exportJsonl(blocks: Iterable<readonly IommuEvent[]>, out: TextSink): number {
  let n = 0;
  for (const b of blocks) {
    let chunk = '';
    for (const e of b) chunk += JSON.stringify(eventToJson(e)) + '\n';
    out.write(chunk);
    n += b.length;
  }
  return n;
}
