// The fast tier (`npm test`, run on Node 20 and Node 24 in CI): every test file except the slow
// harnesses listed in test/tiers.json and named *.slow.test.ts, which vitest.slow.config.ts runs.
import { defineConfig } from 'vitest/config';
import tiers from './test/tiers.json' with { type: 'json' };

/** The files of the slow tier, by path from the repository root. */
export const slowFiles: string[] = [...tiers.slow, ...tiers.alone].map((t) => t.file);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['**/node_modules/**', 'test/**/*.slow.test.ts', ...slowFiles],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Integration tests open real sockets and LevelDB folders; two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
});
