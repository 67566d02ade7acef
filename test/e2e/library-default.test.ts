/**
 * The admin API is a CLI default, not a library one: two `ConnectorNode`s built with the default
 * config in one process both start (neither takes 8081), while `agent-runtime start` and the
 * commands that read a config as it does (`validate`) keep serving it unless the config says no.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorNode } from '../../src/index.js';
import { Harness, quietLogger } from '../helpers/node.js';
import { type Proc, cli, ensureBuilt, until } from './process.js';

const h = new Harness();
const procs: Proc[] = [];
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_')));

beforeAll(() => ensureBuilt(), 120_000);

afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await h.cleanup();
});

/** A library node as a user writes one: only what a second node on the machine must change (ports, data). */
function libraryNode(nodeId: string, extra: Record<string, unknown> = {}): ConnectorNode {
  const node = new ConnectorNode({ nodeId, btpServerPort: 0, healthCheckPort: 0, dataDir: h.dir(), ...extra }, quietLogger(), { env: {} });
  h.onCleanup(() => node.stop());
  return node;
}

describe('library default: no admin API unless configured', () => {
  it('two nodes with the default admin settings start in one process; neither serves an admin API', async () => {
    const a = libraryNode('lib-a');
    const b = libraryNode('lib-b');
    await a.start();
    await b.start();
    expect(a.config.adminApi.enabled).toBe(false);
    expect(a.endpoints.admin).toBeUndefined();
    expect(b.endpoints.admin).toBeUndefined();
    expect(a.configWarnings.some((w) => w.startsWith('adminApi.'))).toBe(false);
  });

  it('serves it when enabled, and warns when admin settings are given without enabling it', async () => {
    const on = libraryNode('lib-on', { adminApi: { enabled: true, port: 0 } });
    await on.start();
    const res = await fetch(`${on.endpoints.admin!}/health`);
    expect(((await res.json()) as { nodeId: string }).nodeId).toBe('lib-on');

    const forgot = libraryNode('lib-forgot', { adminApi: { port: 0 } });
    expect(forgot.config.adminApi.enabled).toBe(false);
    expect(forgot.configWarnings).toContain(
      'adminApi.port is set but the admin API is off: a library node serves it only with adminApi.enabled: true (agent-runtime start turns it on)',
    );
  });
});

describe('the CLI keeps its default: admin API on', () => {
  it('start serves the admin API for a config that does not mention it; validate checks it as start runs it', async () => {
    const dir = h.dir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, ['nodeId: cli-node', 'btpServerPort: 0', 'healthCheckPort: 0', `dataDir: ${join(dir, 'data')}`, ''].join('\n'));
    const node = cli(['start', '--json', '--config', config, '--admin-port', '0'], { env: cleanEnv });
    procs.push(node);
    const started = await until(() => node.events<{ type: string; adminUrl?: string }>().find((e) => e.type === 'node:started'), 'node:started');
    expect(started.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${started.adminUrl!}/admin/peers`);
    expect(res.status).toBe(200);

    const open = join(dir, 'open.yaml');
    writeFileSync(open, ['nodeId: cli-node', 'adminApi:', '  host: 0.0.0.0', ''].join('\n'));
    const validate = cli(['validate', open, '--json'], { env: cleanEnv });
    procs.push(validate);
    expect((await validate.exited).code).toBe(2);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: false, issues: [{ path: 'adminApi.apiKey' }] });
  }, 60_000);
});
