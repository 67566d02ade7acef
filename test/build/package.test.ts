/**
 * What the npm tarball holds and how it loads (issue 18): no source maps (they would point at src/,
 * which is not shipped), no sources, the CLI and its manifest; and the library is ESM-only, as the
 * README says: a CommonJS require of the package fails with ERR_PACKAGE_PATH_NOT_EXPORTED.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('the npm package', () => {
  it('ships dist without source maps and without src/', () => {
    // --ignore-scripts: list the files only, never rebuild dist/ under the other tests
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['bin/run.js', 'oclif.manifest.json', 'package.json', 'README.md']));
  }, 120_000);

  it('is ESM-only: require() fails with ERR_PACKAGE_PATH_NOT_EXPORTED, and the README says so', () => {
    const requireFromPackage = createRequire(join(root, 'package.json'));
    expect(() => requireFromPackage('agent-runtime')).toThrow(expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }) as Error);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(/ESM-only[^\n]*\n?[^\n]*ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
