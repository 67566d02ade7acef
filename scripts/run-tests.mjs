// `npm test`: type-check, lint, then every vitest test (integration included).
// The closing line is "N passed, N failed" so CI can read the counts.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const step = (label, cmd, args) => {
  const started = Date.now();
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  process.stdout.write(`== ${label}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return r.status === 0;
};

const extra = process.argv.slice(2);
let ok = true;
if (extra.length === 0) {
  ok = step('typecheck (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json']) && ok;
  ok = step('lint (eslint)', bin('eslint'), ['.']) && ok;
}
const outDir = join(root, 'tmp');
mkdirSync(outDir, { recursive: true });

// Tests that measure throughput under contention run alone, after the rest: next to other test files
// on a 2-core machine they would measure the other files, not the node.
const ALONE = ['test/security/flood.test.ts'];
const runs = extra.length > 0 ? [{ label: 'tests (vitest)', args: extra }] : [
  { label: 'tests (vitest)', args: ALONE.map((f) => `--exclude=${f}`) },
  { label: 'tests measured alone (vitest)', args: ALONE },
];
let passed = 0;
let failed = 0;
for (const [i, run] of runs.entries()) {
  const report = join(outDir, i === 0 ? 'vitest-report.json' : `vitest-report-${i}.json`);
  rmSync(report, { force: true });
  ok = step(run.label, bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...run.args]) && ok;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed += json.numPassedTests;
    failed += json.numFailedTests;
    // a file that failed without a failing test (it did not load, a hook threw) counts once
    for (const file of json.testResults ?? []) {
      if (file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed')) failed += 1;
    }
  } catch {
    failed += 1;
  }
}
if (!ok && failed === 0) failed = 1; // typecheck or lint failed: never report a clean run
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(ok && failed === 0 ? 0 : 1);
