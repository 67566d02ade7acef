/**
 * The configs the bench writes for agent-runtime load as `start` loads them: (a) keeps the shipped
 * ledger.sync (true), --no-sync turns it off, and (r) gives the receiver XRP@6 under a USD rate table.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentRuntimeYaml } from '../../bench/one-hop/targets.js';
import { loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'ar-bench-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(name: string, yaml: string) {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return loadConfig(file, { env: { BTP_PEER_SENDER_SECRET: 's', BTP_PEER_RECEIVER_SECRET: 'r' } }).config;
}

const ports = { btpPort: 1, healthPort: 2, adminPort: 3, dataDir: join(dir, 'data') };

describe('bench target configs', () => {
  it('(a) runs with the shipped ledger.sync true; --no-sync sets it false', () => {
    expect(load('a.yaml', agentRuntimeYaml(ports)).ledger.sync).toBe(true);
    expect(load('a-nosync.yaml', agentRuntimeYaml({ ...ports, sync: false })).ledger.sync).toBe(false);
  });

  it('(r) gives the receiver XRP at scale 6 and a rate for it', () => {
    const c = load('r.yaml', agentRuntimeYaml({ ...ports, rates: true }));
    const receiver = c.peers.find((p) => p.id === 'receiver');
    expect(receiver).toMatchObject({ assetCode: 'XRP', assetScale: 6 });
    expect(c.assetCode).toBe('USD');
    expect(c.rates.static).toEqual({ XRP: '1.923077' });
  });
});
