// Prints "N passed, N failed, N skipped" from vitest's JSON report. Exits 1 if anything failed or
// was skipped: in CI every test runs, including those that need root or Zabbix.
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? 'test-results/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (err) {
  console.log(`no test report at ${path} (${err.code ?? err.message}): the tests did not run`);
  process.exit(1);
}
const passed = report.numPassedTests;
const failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (skipped > 0) {
  const names = report.testResults
    .flatMap((file) => file.assertionResults.filter((t) => t.status !== 'passed' && t.status !== 'failed').map((t) => `  ${file.name}: ${t.fullName}`))
    .join('\n');
  console.log(`skipped tests are failures in CI:\n${names}`);
}
process.exit(failed > 0 || skipped > 0 || !report.success ? 1 : 0);
