// Node 24 for the CI run: the npm package `node@24` carries the official binary. Installed once into a
// cache folder (AGENT_RUNTIME_NODE24_DIR, default <tmpdir>/agent-runtime-node24) and reused while it
// still answers v24. Not under $HOME: a test runs process.execPath as the user nobody, who cannot
// enter root's home (mode 700). Run alone it prints the binary's path: `node scripts/node24.mjs`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAJOR = 24;

/** The version a node binary reports (e.g. "v24.21.0"), or undefined when it does not run. */
function versionOf(bin) {
  try {
    return execFileSync(bin, ['-v'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

/** The path of a Node 24 binary, installing `node@24` from the registry when the cache has none. */
export function ensureNode24() {
  const dir = resolve(process.env.AGENT_RUNTIME_NODE24_DIR ?? join(tmpdir(), 'agent-runtime-node24'));
  const bin = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(bin) && versionOf(bin)?.startsWith(`v${MAJOR}.`)) return bin;
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`installing node@${MAJOR} into ${dir}\n`);
  execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node@${MAJOR}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 600_000,
  });
  const version = versionOf(bin);
  if (!version?.startsWith(`v${MAJOR}.`)) {
    throw new Error(`npm install node@${MAJOR} gave no working Node ${MAJOR} at ${bin} (it answered ${version ?? 'nothing'})`);
  }
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${ensureNode24()}\n`);
}
