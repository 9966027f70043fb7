// Journals made at different moments differ in their header's date only: a test that compares
// journals byte for byte pins it (SOURCE_DATE_EPOCH) for its file and puts back what was there.
import { afterAll, beforeAll } from 'vitest';

export function pinJournalDate(epoch = '1700000000'): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = epoch;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  });
}
