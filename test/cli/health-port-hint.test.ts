/**
 * `--url` pointing at a node's health port instead of its admin API: the CLI says so (issue 18),
 * against a real node's two listeners.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/cli/admin-client.js';
import { failure } from '../helpers/failure.js';
import { Harness } from '../helpers/node.js';

const h = new Harness();
afterEach(() => h.cleanup());


describe('the health port given as --url', () => {
  it('names it as the health port of the node, with the admin port to use instead', async () => {
    const node = h.node({ nodeId: 'hp' });
    await node.start();
    const health = node.endpoints.health!;
    const admin = node.endpoints.admin!.replace(/\/+$/, '');
    const e = await failure(new AdminClient(health).get('/admin/peers'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe(`${health.replace(/\/+$/, '')} is the health port of node hp, not its admin API (that is ${admin})`);
    expect(e.suggestion).toContain(`at the admin API: ${admin}.`);
  });

  it('says so when the node serves no admin API at all', async () => {
    const node = h.node({ nodeId: 'hp3', adminApi: { enabled: false } });
    await node.start();
    const e = await failure(new AdminClient(node.endpoints.health!).get('/admin/peers'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/is the health port of node hp3, not its admin API$/);
    expect(e.suggestion).toContain('adminApi.enabled: true');
  });

  it('leaves the admin API\'s own not-found answers as they are', async () => {
    const node = h.node({ nodeId: 'hp2' });
    await node.start();
    const e = await failure(new AdminClient(node.endpoints.admin!).get('/admin/no-such-path'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe('No route GET /admin/no-such-path');
  });
});
