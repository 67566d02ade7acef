/**
 * Credentials inside a peer URL (`ws://user:pass@…`, `?token=…`) never show: not in the admin API,
 * the explorer, the CLI (which prints what the admin API answers) or the logs; validate warns that
 * the secret belongs in authToken.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, tempDir, waitFor } from '../helpers/node.js';
import { ConnectorNode } from '../../src/index.js';
import { loadConfig, redactUrl } from '../../src/config/index.js';
import { rmSync } from 'node:fs';

const h = new Harness();
afterEach(() => h.cleanup());

const PASSWORD = 'hunter2-secret';
const TOKEN = 'tok-987654321';

describe('secrets in peer URLs', () => {
  it('redacts user info and token parameters', () => {
    expect(redactUrl(`ws://bob:${PASSWORD}@127.0.0.1:3000/btp?token=${TOKEN}&room=1`)).toBe('ws://***@127.0.0.1:3000/btp?token=***&room=1');
    expect(redactUrl('wss://peer.example/btp')).toBe('wss://peer.example/btp');
    expect(redactUrl(undefined)).toBeUndefined();
  });

  it('never shows them in the admin API, the explorer or the logs; validate warns', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString('utf8');
        done();
      },
    });
    const dir = tempDir();
    h.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    // a port nothing listens on: the node keeps dialling and logs each failure
    const url = `ws://bob:${PASSWORD}@127.0.0.1:1/btp?token=${TOKEN}`;
    const config = {
      nodeId: 'alice',
      ilpAddress: 'g.alice',
      btpServerPort: 0,
      healthCheckPort: 0,
      dataDir: dir,
      adminApi: { enabled: true, port: 0 },
      explorer: { enabled: true, port: 0 },
      peers: [{ id: 'bob', url, authToken: 'bob-secret', relation: 'peer', creditLimit: '1000' }],
    };
    const node = new ConnectorNode(config as never, pino({ level: 'debug' }, sink), { env: {} });
    h.onCleanup(() => node.stop());
    await node.start();
    await node.registerPeer({ id: 'carol', url: `ws://carol:${PASSWORD}@127.0.0.1:1/?auth_token=${TOKEN}`, authToken: 'carol-secret' });

    const admin = await (await fetch(`${node.endpoints.admin!}/admin/peers`)).text();
    const explorer = await (await fetch(`${node.endpoints.explorer!}/api/peers`)).text();
    expect(admin).toContain('ws://***@127.0.0.1:1/btp?token=***');
    for (const [where, text] of [
      ['admin API', admin],
      ['explorer', explorer],
      ['listPeers', JSON.stringify(node.listPeers())],
    ]) {
      expect(text, where).not.toContain(PASSWORD);
      expect(text, where).not.toContain(TOKEN);
    }
    await waitFor(() => logged.includes('reconnecting to peer'), 20_000, 'a reconnect log line');
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(TOKEN);

    const { warnings } = loadConfig(config as never, { env: {} });
    expect(warnings.join('\n')).toMatch(/peers\[0\]\.url \(bob\) carries credentials.*authToken/);
    expect(warnings.join('\n')).not.toContain(PASSWORD);
  });
});
