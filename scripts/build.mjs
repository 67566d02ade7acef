// Build: compile TypeScript to dist/, then generate oclif.manifest.json from the compiled commands.
// Runs from `prepare`, so `npm install` / `npm ci` on a fresh clone leaves a runnable CLI.
import { execFileSync } from 'node:child_process';
import { rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

if (!existsSync(bin('tsc'))) {
  // Installed as a dependency of another project (no devDependencies): dist/ ships prebuilt.
  process.exit(0);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.build.json']);
for (const step of (await import('./build-steps.mjs')).steps) await step(root, run);
run(bin('oclif'), ['manifest']);
