/**
 * Turns a vitest JSON report and vitest's exit status into the counts `npm test` prints. The
 * report's own totals miss two kinds of failure, and CI must not pass on either.
 */
export function tallyVitest(report, exitStatus) {
  const passed = report.numPassedTests;
  const skipped = report.numPendingTests + report.numTodoTests;
  // A file that failed with no failed test: it did not load, or a beforeAll threw and vitest marked
  // the tests under it skipped.
  const failedFiles = report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'));
  let failed = report.numFailedTests + failedFiles.length;
  // vitest also fails a run for errors outside any test (one thrown after its test ended, say),
  // which the report counts nowhere.
  if (failed === 0 && exitStatus !== 0) failed = 1;
  return { passed, failed, skipped };
}
