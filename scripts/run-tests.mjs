// The test runner behind `npm test`, `npm run test:slow` and CI. The closing line is always
// "N passed, N failed" so CI can read the counts.
//
//   node scripts/run-tests.mjs            type-check, lint, the fast tier (vitest.config.ts) on this Node
//   node scripts/run-tests.mjs <args>     the fast tier with vitest arguments (files, -t, ...) only
//   node scripts/run-tests.mjs --node24   the fast tier on Node 24 (npm package node@24, see node24.mjs)
//   node scripts/run-tests.mjs --slow     the slow tier (vitest.slow.config.ts), then the "alone" files
//   node scripts/run-tests.mjs --ci       all of it: type-check, lint, fast on this Node and on Node 24,
//                                         then the slow tier once (what scripts/test.sh and .ci/run run)
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNode24 } from './node24.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const vitestEntry = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const tiers = JSON.parse(readFileSync(join(root, 'test', 'tiers.json'), 'utf8'));
const alone = tiers.alone.map((t) => t.file);
const outDir = join(root, 'tmp');
mkdirSync(outDir, { recursive: true });

const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;
const step = (label, cmd, args, env = process.env) => {
  const started = Date.now();
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  process.stdout.write(`== ${label}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return r.status === 0;
};

let passed = 0;
let failed = 0;
let ok = true;
let reports = 0;

/** One vitest run on the given node binary; its JSON report adds to the counts. */
function vitest(label, nodeBin, args) {
  const report = join(outDir, reports === 0 ? 'vitest-report.json' : `vitest-report-${reports}.json`);
  reports += 1;
  rmSync(report, { force: true });
  // The binary's folder goes first on PATH so that the processes tests spawn (`node bin/run.js`, npx)
  // run on the same Node; the tests read AGENT_RUNTIME_TEST_NODE to check it (test/build/runtime.test.ts).
  const major = spawnSync(nodeBin, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim();
  const env = { ...process.env, PATH: `${dirname(nodeBin)}${delimiter}${process.env.PATH ?? ''}`, AGENT_RUNTIME_TEST_NODE: major };
  const args2 = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args];
  ok = step(`${label} on Node ${major}`, nodeBin, [vitestEntry, ...args2], env) && ok;
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

function checks() {
  ok = step('typecheck (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json']) && ok;
  ok = step('lint (eslint)', bin('eslint'), ['.']) && ok;
}
const fast = (nodeBin) => vitest('fast tier (vitest)', nodeBin, []);
function slow() {
  const slowConfig = ['--config', 'vitest.slow.config.ts'];
  vitest('slow tier (vitest.slow.config.ts)', process.execPath, [...slowConfig, ...alone.map((f) => `--exclude=${f}`)]);
  vitest('slow tier, measured alone', process.execPath, [...slowConfig, ...alone]);
}
function node24() {
  try {
    return ensureNode24();
  } catch (e) {
    process.stdout.write(`\n== Node 24: FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
    ok = false;
    failed += 1;
    return undefined;
  }
}

const started = Date.now();
const [mode, ...rest] = process.argv.slice(2);
if (mode === '--ci') {
  checks();
  fast(process.execPath);
  const n24 = node24();
  if (n24) fast(n24);
  slow();
} else if (mode === '--slow') {
  slow();
} else if (mode === '--node24') {
  const n24 = node24();
  if (n24) vitest('fast tier (vitest)', n24, rest);
} else if (mode !== undefined) {
  vitest('tests (vitest)', process.execPath, process.argv.slice(2));
} else {
  checks();
  fast(process.execPath);
}
if (!ok && failed === 0) failed = 1; // typecheck or lint failed: never report a clean run
process.stdout.write(`\n(${minutes(Date.now() - started)} in all)\n${passed} passed, ${failed} failed\n`);
process.exit(ok && failed === 0 ? 0 : 1);
