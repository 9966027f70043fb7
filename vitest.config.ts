import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['index.test.ts', '{domain-events,reducers,projections,replay,kernel,checks,ingest,cli,web,bench}/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
