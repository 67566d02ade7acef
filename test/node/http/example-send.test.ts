/**
 * examples/business-logic-typescript/send.ts, run as its README says, against a real admin server.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminServer } from '../../../src/node/http/admin-server.js';
import { createFakeNode } from './fake-node.js';
import { closeAll, listen, silent } from './helpers.js';

const root = join(import.meta.dirname, '..', '..', '..');
afterEach(closeAll);

function runSend(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = spawn(process.execPath, ['--import', 'tsx', 'examples/business-logic-typescript/send.ts', ...args], {
    cwd: root,
    env: { ...process.env, AGENT_RUNTIME_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => c.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('examples/business-logic-typescript/send.ts', () => {
  it('posts to AGENT_RUNTIME_URL with the API key and prints the answer', async () => {
    const node = createFakeNode();
    node.sendResult = { accepted: true, fulfilled: true, fulfillment: 'Zg==', data: Buffer.from('pong').toString('base64'), packetId: 'pkt-9' };
    const url = await listen(createAdminServer(node, { host: '127.0.0.1', port: 0, logger: silent, apiKey: 'k1' }));
    const r = await runSend(['g.bob.agent', '1000', 'hello'], { AGENT_RUNTIME_URL: url, AGENT_RUNTIME_API_KEY: 'k1' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(node.sendResult);
    expect(r.stderr).toContain('reply: pong');
    expect(node.sent).toEqual([{ destination: 'g.bob.agent', amount: '1000', data: Buffer.from('hello').toString('base64'), timeoutMs: 30000 }]);
  });

  it('exits 1 on a reject and on a refused key', async () => {
    const node = createFakeNode();
    node.sendResult = { accepted: false, fulfilled: false, code: 'F02', message: 'No route', triggeredBy: 'g.alice', packetId: 'p' };
    const url = await listen(createAdminServer(node, { host: '127.0.0.1', port: 0, logger: silent, apiKey: 'k1' }));
    const rejected = await runSend(['g.nowhere', '5'], { AGENT_RUNTIME_URL: url, AGENT_RUNTIME_API_KEY: 'k1' });
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ accepted: false, code: 'F02' });
    const refused = await runSend(['g.bob', '5'], { AGENT_RUNTIME_URL: url, AGENT_RUNTIME_API_KEY: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('admin API answered 401: Unauthorized');
  });
});
