import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (pkg/**/foo.test.ts); test/ holds suites that cross packages or
// run the built dist/k3ts. Suites that start real processes run one file at a time per worker.
export default defineConfig({
  test: {
    include: ['pkg/**/*.test.ts', 'cmd/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
