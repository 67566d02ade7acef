/**
 * examples/business-logic-typescript, run as its README says: every line of the "Run it" block, in
 * order, as real processes (the servers and the nodes stay up, as in their own terminals; the sends
 * run to the end), on free ports instead of the example's fixed ones. The payment reaches the other
 * node's business logic server and back, both ways; without peer-b the send is the T01 the README names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root, until, type Proc } from '../e2e/process.js';
import { ExampleSandbox, bashBlocks, stepsOf } from './sandbox.js';

const EXAMPLE = 'examples/business-logic-typescript';
/** Every port the example fixes: my-agent's BTP, health, admin; peer-b's; the two servers. */
const PORTS = [3000, 8080, 8081, 3002, 8082, 8083, 8090, 8091];

let box: ExampleSandbox | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await box?.cleanup();
  box = undefined;
});

type Answer = { accepted: boolean; fulfilled: boolean; packetId?: string; code?: string };
const events = (p: Proc) =>
  p.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; peerId?: string });

describe(EXAMPLE, () => {
  it('runs the README as written: both servers, both nodes, a payment each way', async () => {
    box = await ExampleSandbox.create(PORTS);
    box.copy(EXAMPLE);
    const readme = readFileSync(join(root, EXAMPLE, 'README.md'), 'utf8');
    const block = bashBlocks(readme).find((b) => b.includes('send.ts g.peer-b.agent'));
    expect(block, 'the Run it block').toBeDefined();
    const steps = stepsOf(box.subst(block!));
    // the block as the README gives it: two servers, two nodes, two sends
    expect(steps.map((s) => /server\.ts|start --config \S+|send\.ts/.exec(s.line)?.[0])).toEqual([
      'server.ts',
      `start --config ${EXAMPLE}/peer-b.yaml`,
      'server.ts',
      `start --config ${EXAMPLE}/config.yaml`,
      'send.ts',
      'send.ts',
    ]);

    // in README order: peer-b's server and node, then my-agent's
    const servers: Proc[] = [];
    const nodes: Proc[] = [];
    const sends: Proc[] = [];
    for (const step of steps) {
      if (/send\.ts/.test(step.line)) {
        // a person runs the send once the dashboards show the link up
        for (const n of nodes) await until(() => events(n).some((e) => e.type === 'peer:connected'), `peer:connected from ${n.child.pid}\n${n.stderr}`, 30_000);
        const p = box.run(step.line, step.env);
        sends.push(p);
        await p.exited;
        continue;
      }
      const p = box.run(step.line, step.env);
      if (/server\.ts/.test(step.line)) {
        servers.push(p);
        await until(() => p.stdout.includes('listening on'), `server.ts listening\n${p.stderr}`, 30_000);
      } else {
        nodes.push(p);
        await until(() => events(p).some((e) => e.type === 'node:started'), `node:started\n${p.stderr}`, 30_000);
      }
    }

    const [toPeerB, toMyAgent] = sends;
    expect((await toPeerB.exited).code, toPeerB.stderr).toBe(0);
    const paid = JSON.parse(toPeerB.stdout) as Answer;
    expect(paid).toMatchObject({ accepted: true, fulfilled: true });
    expect(paid.packetId).toMatch(/\S/);
    expect(toPeerB.stderr).toContain('reply: thanks for 1000');
    expect(servers[0].stdout).toContain('Received 1000 to g.peer-b.agent with message: "What\'s the ETH price?"');

    expect((await toMyAgent.exited).code, toMyAgent.stderr).toBe(0);
    expect(JSON.parse(toMyAgent.stdout)).toMatchObject({ accepted: true, fulfilled: true });
    expect(servers[1].stdout).toContain('Received 1000 to g.my-agent.agent with message: "Here you go"');

    // "with peer-b not running, is rejected with T01"
    nodes[0].kill('SIGTERM');
    await nodes[0].exited;
    const again = box.run(steps[4].line, steps[4].env);
    expect((await again.exited).code).toBe(1);
    const refused = JSON.parse(again.stdout) as Answer;
    expect(refused).toMatchObject({ accepted: false, fulfilled: false, code: 'T01' });
    expect(refused.packetId).toMatch(/\S/);
  }, 120_000);
});
