import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Proc, bin, cli, ensureBuilt, until } from './process.js';

const procs: Proc[] = [];
const spawnCli = (args: string[], opts: { input?: string } = {}): Proc => {
  const p = cli(args, { ...opts, env: cleanEnv });
  procs.push(p);
  return p;
};
/** The environment of the spawned CLIs: ours, minus anything that would point them elsewhere. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_')));
let dir: string;
let bls: Server;
let blsUrl: string;
const received: { amount: string; data: string }[] = [];

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'ar-e2e-'));
  // Bob's business logic in its own process (Option B): accept every packet and answer it.
  bls = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const p = JSON.parse(body) as { amount: string; data?: string };
      received.push({ amount: p.amount, data: Buffer.from(p.data ?? '', 'base64').toString() });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accept: true, data: Buffer.from('thanks').toString('base64') }));
    });
  });
  await new Promise<void>((r) => bls.listen(0, '127.0.0.1', r));
  blsUrl = `http://127.0.0.1:${(bls.address() as { port: number }).port}`;
}, 120_000);

afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
});

afterAll(async () => {
  await new Promise((r) => bls.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, yaml: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, yaml);
  return p;
}

interface Started {
  type: 'node:started';
  adminUrl: string;
  btpPort: number;
  ilpAddress: string;
}
const started = (p: Proc): Promise<Started> => until(() => p.events<Started>().find((e) => e.type === 'node:started'), `node:started from ${p.child.pid}`);

describe('agent-runtime as real processes', () => {
  it('start --json, drive it with other commands and a shell pipeline, SIGTERM stops it with exit 0', async () => {
    const bob = spawnCli(['start', '--json', '--config', configFile('bob', [
      'nodeId: bob',
      'btpServerPort: 0',
      'healthCheckPort: 0',
      'adminApi: { port: 0 }',
      `dataDir: ${join(dir, 'bob')}`,
      `localDelivery: { enabled: true, handlerUrl: "${blsUrl}" }`,
      'peers:',
      '  - { id: alice, relation: child, authToken: e2e-secret, creditLimit: "1000000" }',
      '',
    ].join('\n'))]);
    const bobInfo = await started(bob);

    const alice = spawnCli(['start', '--json', '--config', configFile('alice', [
      'nodeId: alice',
      'btpServerPort: 0',
      'healthCheckPort: 0',
      'adminApi: { port: 0 }',
      `dataDir: ${join(dir, 'alice')}`,
      'peers:',
      `  - { id: bob, relation: parent, url: "ws://127.0.0.1:${bobInfo.btpPort}", authToken: e2e-secret, creditLimit: "0" }`,
      '',
    ].join('\n'))]);
    const aliceInfo = await started(alice);
    expect(aliceInfo.ilpAddress).toBe('g.bob.alice');
    const url = aliceInfo.adminUrl;

    const health = spawnCli(['health', '--url', url, '--json']);
    expect((await health.exited).code).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ status: 'healthy', nodeId: 'alice', peersConnected: 1 });

    const peers = spawnCli(['peers', 'list', '--url', url]);
    expect((await peers.exited).code).toBe(0);
    expect(peers.stdout).toMatch(/\nbob\s+parent\s+connected\s+outbound\s+0\s+0\s+-\n/);

    // the pipeline of the docs: stdin is the data, the JSON answer goes on to the next program
    const pipeline = new Proc('sh', ['-c', `echo hi | "${process.execPath}" "${bin}" send g.bob 1000 --url "${url}" --json | "${process.execPath}" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).fulfilled))'`], { env: cleanEnv });
    procs.push(pipeline);
    expect((await pipeline.exited).code).toBe(0);
    expect(pipeline.stdout).toBe('true\n');
    expect(received).toEqual([{ amount: '1000', data: 'hi\n' }]);

    const balances = spawnCli(['balances', 'bob', '--url', url, '--json']);
    expect((await balances.exited).code).toBe(0);
    expect(JSON.parse(balances.stdout)).toMatchObject({ balances: [{ netBalance: '-1000' }] });

    const rejected = spawnCli(['send', 'g.nowhere', '5', '--data', 'x', '--url', url]);
    expect((await rejected.exited).code).toBe(1);
    expect(rejected.stderr).toMatch(/rejected: F02 .*\[SEND_FAILED\]/);

    alice.kill('SIGTERM');
    bob.kill('SIGTERM');
    expect((await alice.exited).code).toBe(0);
    expect((await bob.exited).code).toBe(0);
    for (const p of [alice, bob]) {
      const types = p.events().map((e) => e.type);
      // (a node with a parent connects before it is started: it learns its address from the parent first)
      expect(types).toContain('node:started');
      expect(types).toContain('node:stopping');
      expect(p.stdout).not.toMatch(/"level":/); // logs went to stderr, never stdout
    }
    expect(alice.events().some((e) => e.type === 'peer:connected' && e.peerId === 'bob')).toBe(true);
  });

  it('an invalid config is a one-line error with its issues and exit 2; a stopped node is unreachable (exit 1)', async () => {
    const bad = spawnCli(['start', '--config', configFile('bad', 'nodeId: x\nbtpServerPort: nope\n')]);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^Error: Invalid config \(.*bad\.yaml\): 1 problem \[CONFIG_INVALID\]\n {2}btpServerPort: /);

    const health = spawnCli(['health', '--url', 'http://127.0.0.1:9', '--json']);
    expect((await health.exited).code).toBe(1);
    expect(JSON.parse(health.stdout)).toMatchObject({ error: { code: 'NODE_UNREACHABLE' } });
  });

  it('--version', async () => {
    const v = spawnCli(['--version']);
    expect((await v.exited).code).toBe(0);
    expect(v.stdout).toMatch(/^agent-runtime\/\d+\.\d+\.\d+ /);
  });
});
