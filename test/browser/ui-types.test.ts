/**
 * The explorer's browser code is plain JS (served as written) with JSDoc types; the root tsconfig
 * does not see it, so this checks it against the DOM types with its own tsconfig.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('explorer UI types', () => {
  it('src/explorer-ui type-checks against the DOM (checkJs, strict)', () => {
    const root = process.cwd();
    let output = '';
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'src', 'explorer-ui')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe('');
  });
});
