/**
 * Ledger agreement across a frozen next hop, with real processes and sockets: alice (a node) keeps
 * payments in flight through the hub (a node) to bob, a real node process (the built CLI) that
 * fulfils through its HTTP business-logic server. Bob is frozen with SIGSTOP until payments time out
 * at the hub, then thawed with SIGCONT: bob then answers what he still finds unexpired, some of it
 * after the expiry the hub forwarded.
 *
 * Afterwards every ledger agrees with its neighbour's, except for what the hub recorded as late
 * fulfills, which is exactly the difference: bob's view of the hub = the hub's view of bob + the late
 * amount (before this rule: 10 packets apart, unseen). Slow tier: a real node process, frozen and thawed (~25 s).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { pay, startChild, startHub } from '../helpers/raw-btp.js';
import { IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { balanceOf, cliSnapshot, removeCliSnapshot, startNodeProcess, type NodeProcess } from './helpers.js';

const h = new Harness();
let runJs = '';
beforeAll(async () => {
  runJs = await cliSnapshot();
}, 400_000);
afterAll(async () => {
  await h.cleanup();
  if (runJs) removeCliSnapshot(runJs);
});

type Accounts = { account: string; balance: string; lateFulfills?: { count: number; amount: string } }[];

async function accountsOf(adminUrl: string): Promise<Accounts> {
  const body = (await (await fetch(`${adminUrl}/admin/balances`)).json()) as { accounts: Accounts };
  return body.accounts;
}

describe('a next hop frozen with SIGSTOP and thawed with SIGCONT', () => {
  it('leaves the ledgers in agreement, or the difference recorded as late fulfills', { timeout: 120_000 }, async () => {
    // bob's business logic: accept everything (the simple handler's fulfillment is sha256(data))
    const logic = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accept: true })));
    });
    await new Promise<void>((r) => logic.listen(0, '127.0.0.1', r));
    h.onCleanup(() => new Promise<void>((r) => (logic.closeAllConnections(), logic.close(() => r()))));

    const { hub, url } = await startHub(h, '1000000000');

    const dir = h.dir();
    const yaml = join(dir, 'bob.yaml');
    writeFileSync(
      yaml,
      [
        'nodeId: bob',
        `dataDir: ${JSON.stringify(join(dir, 'bob-data'))}`,
        'btpServerPort: 0',
        'healthCheckPort: 0',
        'adminApi:',
        '  port: 0',
        'localDelivery:',
        '  enabled: true',
        `  handlerUrl: http://127.0.0.1:${(logic.address() as AddressInfo).port}`,
        'peers:',
        '  - id: hub',
        `    url: ${url}`,
        '    relation: parent',
        '    creditLimit: "1000000000"',
        '',
      ].join('\n'),
    );
    let bob: NodeProcess | undefined = startNodeProcess(runJs, yaml, { BTP_PEER_HUB_SECRET: 'bob-secret' });
    const bobPid = bob.pid;
    h.onCleanup(async () => {
      try {
        process.kill(bobPid, 'SIGCONT');
      } catch {
        // already gone
      }
      await bob?.kill('SIGKILL');
      bob = undefined;
    });
    const bobAdmin = (await bob.started).adminUrl!;
    const alice = await startChild(h, url, 'alice', '1000000000');
    await waitFor(() => hub.listPeers().every((p) => p.connected), 30_000, 'alice and bob connected');

    // alice: 16 payments in flight at all times, 3 s expiry each, until told to stop
    let fulfilled = 0;
    let rejected = 0;
    let sending = true;
    const payOnce = async (from: ConnectorNode) => {
      const r = await pay(from, 'g.hub.bob', 1000n, 3000);
      if (r.type === IlpPacketType.Fulfill) fulfilled++;
      else rejected++;
    };
    const loops = Array.from({ length: 16 }, async () => {
      while (sending) await payOnce(alice);
    });

    await waitFor(() => fulfilled >= 50, 60_000, '50 payments through bob');
    process.kill(bobPid, 'SIGSTOP');
    const rejectedBefore = rejected;
    await waitFor(() => rejected >= rejectedBefore + 16, 60_000, 'payments timing out while bob is frozen');
    process.kill(bobPid, 'SIGCONT');
    const fulfilledAfter = fulfilled;
    await waitFor(() => fulfilled >= fulfilledAfter + 50, 60_000, '50 more payments once bob is thawed');
    sending = false;
    await Promise.all(loops);

    // once the hub and bob are quiet: bob's view of the hub = the hub's view of bob + what the hub recorded late
    const settled = await waitFor(
      async () => {
        const hubSide = hub.getAccounts();
        const bobSide = await accountsOf(bobAdmin);
        const late = BigInt(hubSide.find((a) => a.account === 'peer:bob')?.lateFulfills?.amount ?? '0');
        const hubOwesBob = -balanceOf(hubSide, 'peer:bob');
        const bobSaysHubOwes = balanceOf(bobSide, 'peer:hub');
        return bobSaysHubOwes === hubOwesBob + late && hubSide.every((a) => a.reserved === undefined || a.reserved === '0') ? { hubSide, late, bobSaysHubOwes } : undefined;
      },
      30_000,
      'the hub and bob agree up to the recorded late fulfills',
    );
    // alice and the hub agree exactly (the hub passed upstream everything it booked)
    expect(balanceOf(alice.getAccounts(), 'peer:hub')).toBe(-balanceOf(settled.hubSide, 'peer:alice'));
    expect(balanceOf(settled.hubSide, 'peer:alice')).toBe(-balanceOf(settled.hubSide, 'peer:bob'));
    expect(balanceOf(settled.hubSide, 'peer:alice')).toBe(BigInt(fulfilled) * 1000n);
    expect(settled.late % 1000n).toBe(0n);
  });
});
