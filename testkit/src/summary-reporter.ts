import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Ends a run with one plain line, `tests: N passed, N failed, N skipped`, that any CI can read
 * without knowing vitest's own summary format. Above it, each skipped test is named with its
 * reason, so a skip is seen (unless `-t` chose the tests: then the others are skipped by choice).
 */
export default class SummaryReporter implements Reporter {
  private filteredByName = false;

  onInit(vitest: Vitest): void {
    this.filteredByName = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const skipped: string[] = [];
    for (const module of testModules) {
      // A file that fails to load, or a suite whose beforeAll/afterAll throws, has no failed test to
      // count (its tests read as skipped) but must still read as a failure.
      if (module.errors().length > 0) counts.failed++;
      for (const suite of module.children.allSuites()) if (suite.errors().length > 0) counts.failed++;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') counts.passed++;
        else if (result.state === 'failed') counts.failed++;
        else {
          counts.skipped++;
          const note = result.state === 'skipped' && result.note ? ` (${result.note})` : '';
          skipped.push(`skipped: ${module.project.name}/${module.relativeModuleId} > ${test.fullName}${note}`);
        }
      }
    }
    const listed = this.filteredByName ? '' : skipped.map((line) => `${line}\n`).join('');
    process.stdout.write(
      `\n${listed}tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
