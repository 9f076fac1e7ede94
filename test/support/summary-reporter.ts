import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, `N passed, N failed, N skipped`, that tools reading the last lines of a
 * run understand whatever the test runner (vitest's own summary is decorated and spread over lines).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) count[test.result().state]++;
    }
    // A module that failed outside its tests (an import or a beforeAll) counts as one failure more.
    const brokenModules = testModules.filter(
      (module) => module.state() === 'failed' && [...module.children.allTests('failed')].length === 0,
    ).length;
    console.log(
      `\n${count.passed} passed, ${count.failed + brokenModules} failed, ${count.skipped + count.pending} skipped`,
    );
  }
}
