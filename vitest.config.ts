import { defineConfig } from 'vitest/config';

// Plain-Node tests. Projects split by the real parts they need so `npm test` can run each where it works:
// unit + security need nothing; integration needs the Secret Service / swtpm / shared data; e2e needs
// Chromium. Timings are never asserted anywhere.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    // No test writes onnxruntime's telemetry cache into the runner's HOME (tests that open sessions directly);
    // test/security/onnxruntime-telemetry.test.ts proves the product sets it itself, against an inherited 0.
    env: { ORT_DISABLE_TELEMETRY: '1' },
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
