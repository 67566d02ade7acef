/**
 * Balances carry their asset (issue 19 "Surfaces"): a hub in USD@9 with a child bob in XRP@6 forwards a
 * cross-asset payment over real BTP; then `balances` (--json and the table), `balances <peer>`,
 * `GET /admin/balances` and `/metrics` each name every balance's asset: raw units with assetCode and
 * assetScale in JSON, decimals with the code for people, and `asset`/`asset_scale` labels on the metric.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { computeConditionFromData, IlpPacketType } from '../../src/index.js';

const h = new Harness();
afterEach(() => h.cleanup());

interface Line {
  account: string;
  balance: string;
  assetCode: string;
  assetScale: number;
  reserved?: string;
}

async function hubAfterOnePayment() {
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    feeBps: 10,
    rates: { static: { XRP: '1.923077' } },
    peers: [
      { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '100000000000' },
      { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '100000000', assetCode: 'XRP', assetScale: 6 },
    ],
  } as never);
  await hub.start();
  const url = `ws://127.0.0.1:${hub.btpPort}`;
  const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '100000000000' }] } as never);
  const bob = h.node({ nodeId: 'bob', assetCode: 'XRP', assetScale: 6, peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent', creditLimit: '100000000' }] } as never);
  bob.setPacketHandler(() => ({ accept: true }));
  await Promise.all([alice.start(), bob.start()]);
  await waitFor(() => hub.listPeers().every((p) => p.connected), 20_000, 'both children connected');
  const data = Buffer.from('one dollar');
  const r = await alice.sendPacket({ destination: 'g.hub.bob', amount: 1_000_000_000n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
  expect(r.type).toBe(IlpPacketType.Fulfill);
  return hub;
}

describe('balances name their asset', () => {
  it('--json: raw units with assetCode/assetScale per account; the table: decimals with the code; one peer: its own asset', async () => {
    const hub = await hubAfterOnePayment();
    const url = hub.endpoints.admin!;
    // 1 USD → 1923077 drops, 10 bps of it (1923) kept in XRP
    const doc = await run(['balances', '--url', url, '--json']);
    expect(doc.exitCode, doc.stderr).toBe(0);
    const byAccount = Object.fromEntries(json<{ accounts: Line[] }>(doc).accounts.map((a) => [a.account, a]));
    expect(byAccount['peer:alice']).toEqual({ account: 'peer:alice', balance: '1000000000', assetCode: 'USD', assetScale: 9, reserved: '0' });
    expect(byAccount['peer:bob']).toEqual({ account: 'peer:bob', balance: '-1921154', assetCode: 'XRP', assetScale: 6, reserved: '0' });
    expect(byAccount['exchange:USD@9']).toMatchObject({ balance: '-1000000000', assetCode: 'USD', assetScale: 9 });
    expect(byAccount['exchange:XRP@6']).toMatchObject({ balance: '1923077', assetCode: 'XRP', assetScale: 6 });
    expect(byAccount['fees:XRP@6']).toMatchObject({ balance: '-1923', assetCode: 'XRP', assetScale: 6 });

    // the admin API answers the same body
    const api = (await (await fetch(`${url}/admin/balances`)).json()) as { accounts: Line[] };
    expect(api.accounts).toEqual(json<{ accounts: Line[] }>(doc).accounts);

    const table = await run(['balances', '--url', url]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^ACCOUNT\s+BALANCE\s+RESERVED\n/);
    expect(table.stdout).toMatch(/^exchange:USD@9 +-1\.000000000 USD +-$/m);
    expect(table.stdout).toMatch(/^exchange:XRP@6 +1\.923077 XRP +-$/m);
    expect(table.stdout).toMatch(/^fees:XRP@6 +-0\.001923 XRP +-$/m);
    expect(table.stdout).toMatch(/^peer:alice +1\.000000000 USD +0\.000000000 USD$/m);
    expect(table.stdout).toMatch(/^peer:bob +-1\.921154 XRP +0\.000000 XRP$/m);

    const one = await run(['balances', 'bob', '--url', url, '--json']);
    expect(json(one)).toEqual({ peerId: 'bob', balances: [{ tokenId: 'XRP', assetCode: 'XRP', assetScale: 6, netBalance: '-1921154', creditBalance: '0', debitBalance: '1921154' }] });
    const oneTable = await run(['balances', 'bob', '--url', url]);
    expect(oneTable.stdout).toBe('ASSET  NET            OWES US       WE OWE\nXRP@6  -1.921154 XRP  0.000000 XRP  1.921154 XRP\n');
  });

  it('/metrics labels each balance with its asset and scale', async () => {
    const hub = await hubAfterOnePayment();
    const metrics = async () => (await fetch(`${hub.endpoints.health!}/metrics`)).text();
    // the balance events reach the metrics listener in a batch: wait for the payment's
    await waitFor(async () => /ilp_account_balance\{account="peer:bob"[^}]*\} -1921154$/m.test(await metrics()), 20_000, 'bob balance in /metrics');
    const text = await metrics();
    const line = (account: string) => text.split('\n').find((l) => l.startsWith(`ilp_account_balance{account="${account}"`));
    expect(line('peer:bob')).toMatch(/asset="XRP",asset_scale="6"[^}]*\} -1921154$/);
    expect(line('peer:alice')).toMatch(/asset="USD",asset_scale="9"[^}]*\} 1000000000$/);
    expect(line('exchange:XRP@6')).toMatch(/asset="XRP",asset_scale="6"[^}]*\} 1923077$/);
    expect(line('fees:XRP@6')).toMatch(/asset="XRP",asset_scale="6"[^}]*\} -1923$/);
    expect(line('exchange:USD@9')).toMatch(/asset="USD",asset_scale="9"[^}]*\} -1000000000$/);
    // one series per account: no label-less duplicate left from before the asset was known
    expect(text.split('\n').filter((l) => l.startsWith('ilp_account_balance{account="peer:bob"'))).toHaveLength(1);
  });
});
