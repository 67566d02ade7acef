/**
 * `setup` makes the node's Ed25519 identity key as start would (in the data directory start resolves
 * from the output directory, mode 600) and prints its public key; a node started on that data
 * directory signs with the same key; setup run again keeps it.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { json, run } from '../cli/run-command.js';
import { Harness } from '../helpers/node.js';
import { OPERATOR, call } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

interface SetupOut {
  identity: { algorithm: string; publicKey: string; file: string };
}

describe('setup and the identity key', () => {
  it('makes the key start would use, prints it, and keeps it on a second setup', async () => {
    const dir = h.dir();
    const r = await run(['setup', '--yes', '--node-id', 'hub', '--output-dir', dir, '--json']);
    expect(r.exitCode).toBe(0);
    const { identity } = json<SetupOut>(r);
    expect(identity).toMatchObject({ algorithm: 'ed25519', file: join(dir, 'data', 'hub', 'identity.key') });
    expect(identity.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(existsSync(identity.file)).toBe(true);
    expect(statSync(identity.file).mode & 0o777).toBe(0o600);

    const human = await run(['setup', '--yes', '--node-id', 'hub', '--output-dir', dir, '--force']);
    expect(human.stdout).toContain(`Identity key ${identity.file} (mode 600), public key ${identity.publicKey}`);

    const node = h.node({ nodeId: 'hub', dataDir: join(dir, 'data', 'hub'), adminApi: { apiKey: OPERATOR } });
    await node.start();
    expect((await call(node.endpoints.admin!, 'GET', '/admin/identity', OPERATOR)).body).toMatchObject({ publicKey: identity.publicKey });
  });
});
