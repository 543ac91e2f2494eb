// Reads vitest's JSON report and prints the plain closing line CI reads: "N passed, N failed".
// Failed repo checks (typecheck, lint, format) and a crashed runner count as failures too, and the
// checks of scripts/image-test.sh (and of scripts/compose-test.sh, which it runs) come from their
// results file: one "ok NAME" or "not ok NAME" a line.
import { readFileSync, existsSync } from 'node:fs';

const [file, checksFailedArg = '0', vitestStatusArg = '0', imageResults] = process.argv.slice(2);
const checksFailed = Number(checksFailedArg);
const vitestStatus = Number(vitestStatusArg);
let passed = 0;
let failed = 0;
let skipped = 0;
if (file && existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A test file that fails to load has no tests but is a failure.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
} else {
  failed += 1;
}
if (vitestStatus !== 0 && failed === 0) failed += 1;
if (imageResults && existsSync(imageResults)) {
  for (const line of readFileSync(imageResults, 'utf8').split('\n')) {
    if (line.startsWith('ok ')) passed += 1;
    else if (line.startsWith('not ok ')) failed += 1;
  }
}
failed += checksFailed;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
