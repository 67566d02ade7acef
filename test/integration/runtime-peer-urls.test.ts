/**
 * `urls` on a peer added at runtime (issue 23: `POST /admin/peers` takes `urls` as config `peers[].urls`
 * does): a peer added with a `url` nobody listens on and the live node in `urls` gets connected through
 * the second URL (the BTP client tries them in turn); the list survives a restart (runtime peers are
 * stored); a bad entry is a 400 naming `urls[i]`.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorNode } from '../../src/index.js';
import { Harness, quietLogger, waitFor } from '../helpers/node.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** A port nothing listens on (taken, then released). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });

describe('urls on a peer added through the admin API', () => {
  it('dials the next URL when the first has no listener, keeps the list across a restart, refuses a bad entry', async () => {
    const bob = h.node({ nodeId: 'bob', ilpAddress: 'g.bob', peers: [{ id: 'alice', authToken: 'alice-token', relation: 'child' }] } as never);
    await bob.start();
    const dataDir = h.dir();
    const make = () => {
      const n = new ConnectorNode({ nodeId: 'alice', ilpAddress: 'g.alice', btpServerPort: 0, healthCheckPort: 0, dataDir, adminApi: { enabled: true, port: 0 } }, quietLogger(), { env: {} });
      h.onCleanup(() => n.stop());
      return n;
    };
    const alice = make();
    await alice.start();
    const dead = `ws://127.0.0.1:${await deadPort()}`;
    const live = `ws://127.0.0.1:${bob.btpPort}`;

    const bad = await post(`${alice.endpoints.admin!}/admin/peers`, { id: 'bob', url: dead, urls: [live, 'http://x'], authToken: 'alice-token', relation: 'parent' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/urls/);

    const add = await post(`${alice.endpoints.admin!}/admin/peers`, { id: 'bob', url: dead, urls: [live], authToken: 'alice-token', relation: 'parent' });
    expect(add.status).toBe(201);
    await waitFor(() => alice.listPeers().find((p) => p.id === 'bob')?.connected === true, 30_000, 'alice connected to bob through its second URL');
    await alice.stop();

    // stored with the peer: after a restart the list is dialled again
    const again = make();
    await again.start();
    await waitFor(() => again.listPeers().find((p) => p.id === 'bob')?.connected === true, 30_000, 'restored peer connected through its second URL');
  }, 90_000);
});
