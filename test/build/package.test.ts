/**
 * What the npm tarball holds and how it loads (issue 18): no source maps (they would point at src/,
 * which is not shipped), no sources, the CLI and its manifest; and the library is ESM-only, as the
 * README says: a CommonJS require of the package fails with ERR_PACKAGE_PATH_NOT_EXPORTED. And no
 * package a user's install pulls in wants a newer Node than `engines` admits (npm would print an
 * engine warning: cookie@2, through fastify's light-my-request 6.8, wants Node 22; package.json pins
 * light-my-request ~6.6 as a direct dependency so npm resolves fastify's range to it too).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import semver from 'semver';
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

  it('pulls in no runtime package that wants a newer Node than engines admits (no engine warning at install)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }> };
    const lowest = semver.minVersion(pkg.engines.node)!.version;
    const wantNewer = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.dev !== true && typeof p.engines?.node === 'string')
      .filter(([, p]) => !semver.satisfies(lowest, p.engines!.node!))
      .map(([path, p]) => `${path}@${p.version} wants node ${p.engines!.node}`);
    expect(wantNewer).toEqual([]);
  });
});
