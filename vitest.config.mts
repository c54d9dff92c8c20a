import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster suite has its own config (vitest.cluster.config.mts), run after this one.
    exclude: ['test/cluster/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Temporal's native bridge is safest in forked processes (sdk-typescript#876).
    pool: 'forks',
    // Two cores: two test files at a time; each integration file runs its own worker process.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
  },
});
