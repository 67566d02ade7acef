/** `cluster.*` keys: off by default; on, they need the PostgreSQL backend and a dead-after beyond the heartbeat. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';

const pg = { backend: 'postgres', postgres: { url: 'postgres://u:p@127.0.0.1:5432/ledger' } };

function issues(input: Record<string, unknown>): { path: string; message: string }[] {
  const r = configSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('cluster config', () => {
  it('is off by default and changes nothing', () => {
    const c = configSchema.parse({});
    expect(c.cluster).toEqual({ enabled: false, heartbeatMs: 1000, deadAfterMs: 5000, leaseCheckMs: 500, balanceRefreshMs: 500, forwardHost: '127.0.0.1', forwardPort: 0 });
  });

  it('needs ledger.backend: postgres', () => {
    expect(issues({ cluster: { enabled: true } })).toEqual([{ path: 'cluster.enabled', message: expect.stringContaining('needs ledger.backend: postgres') }]);
    expect(issues({ cluster: { enabled: true }, ledger: pg })).toEqual([]);
  });

  it('refuses a dead-after within one heartbeat and a malformed instance id', () => {
    expect(issues({ cluster: { enabled: true, heartbeatMs: 2000, deadAfterMs: 2000 }, ledger: pg })).toEqual([{ path: 'cluster.deadAfterMs', message: expect.stringContaining('must exceed cluster.heartbeatMs (2000)') }]);
    expect(issues({ cluster: { enabled: true, instanceId: 'a b' }, ledger: pg }).map((i) => i.path)).toEqual(['cluster.instanceId']);
    expect(issues({ cluster: { enabled: true, instanceId: 'host-1.example_2' }, ledger: pg })).toEqual([]);
  });
});
