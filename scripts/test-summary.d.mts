export interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{ status: string; assertionResults: Array<{ status: string }> }>;
}

export function tallyVitest(report: VitestReport, exitStatus: number | null): { passed: number; failed: number; skipped: number };
