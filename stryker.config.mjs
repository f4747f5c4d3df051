// Mutation testing of the pure domain (`npm run mutate`; docs/testing.md). The unit tests in test/unit/
// drive it through the tap runner: node:test prints TAP when its output is not a terminal, and each test
// file runs only against the mutants it covers. Incremental: a run re-tests only what changed since the
// last one. One module: `npm run mutate -- --mutate src/domain/event.ts`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  tap: {
    testFiles: ['test/unit/**/*.test.ts'],
    nodeArgs: ['--import', 'tsx', '-r', '{{hookFile}}'],
    forceBail: true,
  },
  plugins: ['@stryker-mutator/tap-runner'],
  mutate: ['src/domain/**/*.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { reportMutants: false, reportTests: false },
  thresholds: { high: 90, low: 80, break: null },
  ignorePatterns: ['dist', 'panel', 'bench', 'docs', 'reports', '.git'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
