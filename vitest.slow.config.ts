// The slow tier (`npm run test:slow`, once per CI run): the crash, faults, fuzz and topology harnesses
// of test/tiers.json and every *.slow.test.ts. scripts/run-tests.mjs runs the "alone" files
// of test/tiers.json in a second invocation by themselves; a file given on the command line narrows it.
import { defineConfig } from 'vitest/config';
import tiers from './test/tiers.json' with { type: 'json' };

export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts', ...[...tiers.slow, ...tiers.alone].map((t) => t.file)],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One file at a time: each harness loads the 2-core machine by itself (processes under load, kills,
    // floods), and its waits are sized for a machine it does not share with another harness.
    fileParallelism: false,
  },
});
