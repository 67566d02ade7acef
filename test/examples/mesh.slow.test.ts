/**
 * examples/topologies mesh, run as its README's script says (bash, `agent-runtime` on the PATH, from
 * a folder laid out like a clone), on free ports instead of the example's. The configs have no
 * static routes: the script waits for the four nodes and for a to learn g.d by route broadcast (CCP)
 * through b and through c; a pays d through b; b is stopped, a withdraws the routes it learned from
 * b, and the same payment reaches d through c. The script stops everything it started; cleanup kills
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
  it('the script runs as written: a learns g.d by CCP and pays d through b, then through c once b is stopped and its routes withdrawn', async () => {
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

    // two payments, both fulfilled, and nothing else on the terminal but a's routes to g.d, the answers and c's balances
    expect(run.stdout.match(/^fulfilled {2}1000 to g\.d$/gm)).toHaveLength(2);
    expect(run.stderr).toBe('');
    // no route was written: before the first payment a had learned g.d by CCP both ways (through b
    // first: equal paths, the smaller peer id), and before the second only the one through c was left
    const [beforeFirst, between] = run.stdout.split(/^fulfilled .*$/m);
    const routesTo = (text: string) => text.split('\n').filter((l) => l.startsWith('g.d ')).map((l) => l.split(/\s+/).slice(0, 6).join(' ').replace(/ \d+s$/, ''));
    expect(routesTo(beforeFirst)).toEqual(['g.d b 0 ccp g.b g.d', 'g.d c 0 ccp g.c g.d']);
    expect(routesTo(between)).toEqual(['g.d c 0 ccp g.c g.d']);
    // the first went a → b → d (c has nothing from it), the second a → c → d: c holds a's 1000 and owes d 999 (c kept its fee of 1)
    const balances = run.stdout.slice(run.stdout.lastIndexOf('fulfilled'));
    expect(balances).toMatch(/^peer:a +0\.000001000 USD /m);
    expect(balances).toMatch(/^peer:d +-0\.000000999 USD /m);
    // the nodes' logs went to their files, not to the terminal
    for (const n of ['a', 'b', 'c', 'd']) expect(existsSync(join(box.dir, 'data', `mesh-${n}`, 'node.log'))).toBe(true);
  }, 180_000);
});
