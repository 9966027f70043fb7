// The ring buffer overwrote events ("CPU:N [LOST M EVENTS]"): from here on the model may miss
// maps and unmaps, so every later finding carries a lower confidence.
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';

export const eventsLost: Check = defineCheck({
  id: 'trace/events-lost',
  version: 1,
  severity: 'warning',
  description: 'the trace ring buffer lost events; later state and findings are uncertain',
  on: ['EventsLost'],
  create: () => ({
    inspect(e, _s, emit) {
      if (e.type !== 'EventsLost') return;
      emit({ message: `ring buffer overflow on CPU ${e.cpu ?? '?'}: ${e.count ?? 'an unknown number of'} events lost; the state after this point may miss maps and unmaps` });
    },
  }),
});
