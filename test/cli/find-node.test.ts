/**
 * The CLI finds its node as a user expects (issue 18): --url, then AGENT_RUNTIME_URL (environment,
 * then ./.env), then the admin address of --config / ./config.yaml, then the default; and with a config
 * in play it checks the answering node's id, so with two nodes on one machine it never silently talks
 * to the wrong one. Two real nodes on free ports; the commands run in-process from the sources.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import { findNode } from '../../src/cli/find-node.js';
import { Harness } from '../helpers/node.js';
import { json, run } from './run-command.js';

const h = new Harness();
let alpha: ConnectorNode;
let beta: ConnectorNode;
let dir: string;
const saved = { cwd: process.cwd(), url: process.env.AGENT_RUNTIME_URL, config: process.env.AGENT_RUNTIME_CONFIG };

const portOf = (url: string) => Number(new URL(url).port);
/** A config.yaml for `nodeId` whose admin API is at `port`. */
function writeConfig(folder: string, nodeId: string, adminApi: Record<string, unknown>): string {
  const file = join(folder, 'config.yaml');
  const admin = Object.entries(adminApi).map(([k, v]) => `  ${k}: ${String(v)}`);
  writeFileSync(file, [`nodeId: ${nodeId}`, 'btpServerPort: 0', 'healthCheckPort: 0', 'adminApi:', ...admin, ''].join('\n'));
  return file;
}
const balancesNode = (r: Awaited<ReturnType<typeof run>>) => json<{ nodeId: string }>(r).nodeId;

beforeAll(async () => {
  alpha = h.node({ nodeId: 'alpha' });
  beta = h.node({ nodeId: 'beta' });
  await Promise.all([alpha.start(), beta.start()]);
});
afterAll(() => h.cleanup());
afterEach(() => {
  process.chdir(saved.cwd);
  for (const [k, v] of [['AGENT_RUNTIME_URL', saved.url], ['AGENT_RUNTIME_CONFIG', saved.config]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const folder = () => (dir = mkdtempSync(join(tmpdir(), 'ar-find-node-')));

describe('which node the CLI talks to', () => {
  it('uses the admin address of ./config.yaml in the current folder, and of --config anywhere', async () => {
    const d = folder();
    writeConfig(d, 'beta', { port: portOf(beta.endpoints.admin!) });
    process.chdir(d);
    const here = await run(['balances', '--json']);
    expect(here.exitCode, here.stdout + here.stderr).toBe(0);
    expect(balancesNode(here)).toBe('beta');

    process.chdir(saved.cwd);
    const named = await run(['balances', '--config', join(d, 'config.yaml'), '--json']);
    expect(balancesNode(named)).toBe('beta');
  });

  it('prefers --url, then AGENT_RUNTIME_URL, then .env over the config file', async () => {
    const d = folder();
    writeConfig(d, 'alpha', { port: portOf(alpha.endpoints.admin!) });
    process.chdir(d);
    // --url alone names the node: no config is read, no id checked
    expect(balancesNode(await run(['balances', '--url', beta.endpoints.admin!, '--json']))).toBe('beta');

    writeFileSync(join(d, '.env'), `AGENT_RUNTIME_URL=${alpha.endpoints.admin!}\n`);
    expect(balancesNode(await run(['balances', '--json']))).toBe('alpha');
    const target = await findNode({}, {}, d);
    expect(target).toMatchObject({ url: alpha.endpoints.admin, from: 'AGENT_RUNTIME_URL', expectNodeId: 'alpha' });
  });

  it('refuses to talk to another node than the config names (WRONG_NODE, exit 2)', async () => {
    const d = folder();
    writeConfig(d, 'alpha', { port: portOf(alpha.endpoints.admin!) });
    process.chdir(d);
    process.env.AGENT_RUNTIME_URL = beta.endpoints.admin!;
    const r = await run(['balances', '--json']);
    expect(r.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({
      code: 'WRONG_NODE',
      message: `The node at ${beta.endpoints.admin!} is beta, but config.yaml is the config of alpha`,
    });
    const human = await run(['health']);
    expect(human.exitCode).toBe(2);
    expect(human.stderr).toContain('[WRONG_NODE]');
  });

  it('says why a config gives no address: admin API off, or on port 0', async () => {
    const d = folder();
    const file = writeConfig(d, 'gamma', { enabled: false });
    const off = await run(['balances', '--config', file, '--json']);
    expect(off.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(off).error.message).toContain('adminApi.enabled is false');

    writeConfig(d, 'gamma', { port: 0 });
    const any = await run(['peers', 'list', '--config', file, '--json']);
    expect(json<{ error: { code: string; message: string } }>(any).error).toMatchObject({ code: 'NO_ADMIN_API' });
  });

  it('falls back to http://127.0.0.1:8081 with no flag, variable or config', async () => {
    const d = folder();
    expect(await findNode({}, {}, d)).toEqual({ url: 'http://127.0.0.1:8081', from: 'default' });
  });
});
