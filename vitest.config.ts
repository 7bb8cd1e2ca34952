import { defineConfig } from 'vitest/config';

// Plain-Node tests. Projects split by the real parts they need so `npm test` can run each where it works:
// unit + security need nothing; integration needs the Secret Service / swtpm / shared data; e2e needs
// Chromium. Timings are never asserted anywhere.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'security', include: ['test/security/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], fileParallelism: false },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
