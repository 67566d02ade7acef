import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';

const h = new Harness();
const servers: Server[] = [];
afterEach(async () => {
  await h.cleanup();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A plain HTTP server that is not agent-runtime (to point --url at by mistake). */
async function foreignServer(): Promise<string> {
  const s = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>hello</html>');
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address() as { port: number };
  return `http://127.0.0.1:${addr.port}`;
}

describe('health', () => {
  it('healthy: exit 0, status, uptime and peers; same answer on the health port', async () => {
    const node = h.node({ nodeId: 'fit' });
    await node.start();
    const r = await run(['health', '--url', node.endpoints.admin!]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^HEALTHY {2}fit {2}g\.fit {2}v\d+\.\d+\.\d+\nuptime {2}\d+s\npeers {3}0\/0 connected\n$/);

    const doc = await run(['health', '--url', node.endpoints.health!, '--json']);
    expect(doc.exitCode).toBe(0);
    expect(json(doc)).toMatchObject({ status: 'healthy', nodeId: 'fit', peersConnected: 0, totalPeers: 0 });
  });

  it('degraded: exit 2, with the reasons', async () => {
    const node = h.node({ nodeId: 'lonely', peers: [{ id: 'ghost', url: 'ws://127.0.0.1:9', authToken: 'x', creditLimit: '0' }] });
    await node.start();
    const r = await run(['health', '--url', node.endpoints.admin!]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toContain('DEGRADED');
    expect(r.stdout).toContain('peers   0/1 connected\n  ghost  disconnected');
    expect(r.stdout).toContain('reasons:\n  - peer ghost is not connected');

    const doc = await run(['health', '--url', node.endpoints.admin!, '--json']);
    expect(doc.exitCode).toBe(2);
    expect(json(doc)).toMatchObject({ status: 'degraded', reasons: ['peer ghost is not connected'] });
  });

  it('unreachable: exit 1 with NODE_UNREACHABLE', async () => {
    const node = h.node({ nodeId: 'gone' });
    await node.start();
    const url = node.endpoints.admin!;
    await node.stop();
    const r = await run(['health', '--url', url]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `Error: Cannot reach the node at ${url}: connection refused [NODE_UNREACHABLE]\n` +
        '  Hint: Is the node running (`agent-runtime start`)? Check --url or AGENT_RUNTIME_URL (default http://127.0.0.1:8081).\n',
    );
    const doc = await run(['health', '--url', url, '--json']);
    expect(doc.exitCode).toBe(1);
    expect(json<{ error: { code: string } }>(doc).error.code).toBe('NODE_UNREACHABLE');
  });

  it('a server that is not agent-runtime: exit 1 with UNEXPECTED_RESPONSE', async () => {
    const url = await foreignServer();
    const r = await run(['health', '--url', url, '--json']);
    expect(r.exitCode).toBe(1);
    expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({
      code: 'UNEXPECTED_RESPONSE',
      message: `The server at ${url} did not answer like an agent-runtime admin API (HTTP 200)`,
    });
    const peers = await run(['peers', 'list', '--url', url]);
    expect(peers.exitCode).toBe(1);
    expect(peers.stderr).toContain('[UNEXPECTED_RESPONSE]');
  });

  it('a malformed --url is INVALID_ARGUMENT (exit 2)', async () => {
    const r = await run(['health', '--url', 'localhost:8081', '--json']);
    expect(r.exitCode).toBe(2);
    expect(json<{ error: { code: string } }>(r).error.code).toBe('INVALID_ARGUMENT');
  });
});
