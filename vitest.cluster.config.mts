import { defineConfig } from 'vitest/config';

// The production-shape suite: one Temporal cluster (two temporal-server processes on PostgreSQL) for
// the run, started by the test file itself; run after the main suite (npm test) so the two never
// share the machine's two cores.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 20 * 60_000,
    teardownTimeout: 120_000,
  },
});
