// Prints the closing line CI reads: "N passed, N failed, N skipped", alone on its line.
import type { Reporter, TestModule } from 'vitest/node';

export default class CountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load has no tests to count, but is a failure all the same.
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
    }
    failed += unhandledErrors.length;
    // The quick loop names the narrower runs (CONTRIBUTING.md "Running tests"); the count stays the last line.
    if (process.env.TEST_QUICK === '1') {
      process.stdout.write(
        '\nOne file: npx vitest run worker/delivery/consumer.test.ts; one folder: npx vitest run worker/platforms; ' +
          'one project: npx vitest run --project worker (or tracker, node).\n',
      );
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
