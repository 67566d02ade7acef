/**
 * examples/topologies mesh, run as its README's script says (bash, `agent-runtime` on the PATH, from
 * a folder laid out like a clone), on free ports instead of the example's: it waits for the four
 * nodes, a pays d through b, b is stopped, and the same payment reaches d through c, the backup route
 * (the control plane's same-prefix fallback). The script stops everything it started; cleanup kills
 * whatever is left by process group.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from '../e2e/process.js';
import { ExampleSandbox, bashBlocks } from './sandbox.js';

/** a, b, c, d: BTP, health and admin ports; d's business logic server. */
const PORTS = [3111, 3112, 3113, 3114, 8111, 8112, 8113, 8114, 8211, 8212, 8213, 8214, 9114];

let box: ExampleSandbox | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await box?.cleanup();
  box = undefined;
});

describe('examples/topologies: mesh', () => {
  it('the script runs as written: a pays d through b, then through c once b is stopped', async () => {
    box = await ExampleSandbox.create(PORTS);
    box.copy('examples/topologies/mesh');
    box.copy('examples/business-logic-typescript/server.ts');
    const readme = readFileSync(join(root, 'examples', 'topologies', 'README.md'), 'utf8');
    const script = bashBlocks(readme).find((b) => b.includes('examples/topologies/mesh/'));
    expect(script, 'the mesh block').toBeDefined();

    // the whole script, as a user pastes it; `-e` so that any failing line fails it
    const run = box.run(box.subst(script!), { PATH: box.cliPath() }, ['-e', '-o', 'pipefail']);
    const { code } = await Promise.race([
      run.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the mesh script did not finish\n${run.stdout}\n${run.stderr}`)), 170_000)),
    ]);
    expect(code, `${run.stdout}\n${run.stderr}`).toBe(0);

    // two payments, both fulfilled, and nothing else on the terminal but their answers and c's balances
    expect(run.stdout.match(/^fulfilled {2}1000 to g\.d$/gm)).toHaveLength(2);
    expect(run.stderr).toBe('');
    // the second went a → c → d: c holds a's 1000 and owes d 999 (c kept its fee of 1)
    const balances = run.stdout.slice(run.stdout.lastIndexOf('fulfilled'));
    expect(balances).toMatch(/^peer:a +0\.000001000 USD /m);
    expect(balances).toMatch(/^peer:d +-0\.000000999 USD /m);
    // the nodes' logs went to their files, not to the terminal
    for (const n of ['a', 'b', 'c', 'd']) expect(existsSync(join(box.dir, 'data', `mesh-${n}`, 'node.log'))).toBe(true);
  }, 180_000);
});
