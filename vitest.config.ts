import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites that start servers, Chromium or code-server need more than the default 5 s.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend for the same CPUs.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // UI and process tests poll for state; on a loaded 2-core CI machine 1 s (the default) is
    // too short for a first embed + write, so a poll may wait up to 15 s before failing.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    reporters: ['default'],
  },
});
