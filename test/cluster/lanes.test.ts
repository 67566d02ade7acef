/**
 * Settlement lane leaders with real processes (docs/scaling.md, "Settlement lanes"): two instances of
 * "hub" on one private PostgreSQL settle on anvil. i1 starts first and leads the evm lane; bob (a
 * lone node) pays the hub through its link at i2, the non-leader, so his claims reach the lane through
 * i2 → i1 (in-cluster forwarding). i1 redeems; then i1 is killed with SIGKILL. i2 takes the lane's
 * lock, loads its state from PostgreSQL (the channel, the best claim, what was redeemed) and carries
 * on: bob's later claim is stored by i2 and redeemed exactly once. The chain, the hub's books and
 * bob's books agree at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import type { ChannelView, SettleResult } from '../../src/settlement/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { admin, balance, connectEvm, settlementSection } from '../settlement/helpers.js';
import { balanceAt, childPeers, getJson, health, hubConfig, InstanceProcess, postJson, type Ready } from './helpers.js';

const h = new Harness();
let server: TestPostgres | undefined;
let chain: DemoChain | undefined;
const procs: InstanceProcess[] = [];
const bobEvents: { type: string }[] = [];

/** The hub's lanes as one instance's /health shows them. */
async function lanesAt(r: Ready): Promise<Record<string, string | null> | undefined> {
  return ((await health(r)).cluster as { lanes?: Record<string, string | null> } | undefined)?.lanes;
}

describe.skipIf(!havePostgres())('settlement lane leaders across cluster instances (anvil)', () => {
  let bob: ConnectorNode;
  let channelId = '';
  const ready: Record<string, Ready> = {};
  const proc: Record<string, InstanceProcess> = {};

  async function pay(amount: bigint): Promise<void> {
    const data = Buffer.from(`lane ${Math.random()}`);
    const r = await bob.sendPacket({ destination: 'g.hub', amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
    expect(r.type).toBe(IlpPacketType.Fulfill);
  }

  /** Bob's claims the hub has acknowledged (cumulative, asset units), once it reaches `want`. */
  async function acknowledged(want: bigint): Promise<void> {
    const acked = () => bobEvents.some((e) => e.type === 'settlement:claim-sent' && (e as { cumulative?: string }).cumulative === want.toString());
    await waitFor(() => (acked() ? true : undefined), 60_000, `bob's claims acknowledged up to ${want}`);
  }

  beforeAll(async () => {
    server = await TestPostgres.start();
    chain = await startDemoChain({ accounts: 2, decimals: 6 });
    const [hubKey, bobKey] = chain.keys;
    const settlement = { ...settlementSection(chain, hubKey.privateKey), redeem: { onClose: true } };
    const peers = [...childPeers().filter((p) => p.id !== 'bob'), { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '100000000000', settlement: { chain: 'evm', address: bobKey.address } }];
    const config = (id: string) => hubConfig(server!.url, id, h.dir(), { peers, settlement, ...(process.env.LANES_DEBUG ? { logLevel: 'info' } : {}) });
    proc.i1 = new InstanceProcess(config('i1'));
    procs.push(proc.i1);
    ready.i1 = await proc.i1.ready;
    await waitFor(async () => ((await lanesAt(ready.i1))?.evm === 'i1' ? true : undefined), 30_000, 'i1 leading the evm lane');
    proc.i2 = new InstanceProcess(config('i2'));
    procs.push(proc.i2);
    ready.i2 = await proc.i2.ready;
    const urls = [ready.i2, ready.i1].map((r) => `ws://127.0.0.1:${r.btpPort}`);
    bob = h.node({
      nodeId: 'bob',
      assetScale: 9,
      peers: [{ id: 'hub', url: urls[0], urls, authToken: 'bob-secret', relation: 'parent', creditLimit: '0', settleThreshold: '5000', settlement: { chain: 'evm', address: hubKey.address } }],
      settlement: settlementSection(chain, bobKey.privateKey),
    } as never);
    bob.events.subscribe((batch) => bobEvents.push(...batch.filter((e) => e.type.startsWith('settlement:') || e.type.startsWith('channel:'))));
    await bob.start();
    await waitFor(async () => ((await health(ready.i2)).cluster?.leases.includes('bob') ? true : undefined), 30_000, 'bob served by i2');
  }, 120_000);

  afterAll(async () => {
    if (process.env.LANES_DEBUG) for (const [id, p] of Object.entries(proc)) process.stderr.write(`---- ${id}\n${p.stderr}\n`);
    if (process.env.LANES_DEBUG) process.stderr.write(`---- bob events\n${bobEvents.map((e) => JSON.stringify(e)).join('\n')}\n`);
    await h.cleanup();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await server?.stop();
    await chain?.stop();
  }, 60_000);

  it('one leader: both instances name i1; the non-leader forwards bob\'s claims to it; i1 redeems', async () => {
    expect(await lanesAt(ready.i1)).toEqual({ evm: 'i1' });
    await waitFor(async () => ((await lanesAt(ready.i2))?.evm === 'i1' ? true : undefined), 30_000, 'i2 naming i1 as the evm leader');
    const opened = await admin<ChannelView>(bob, 'POST', '/admin/channels', { peerId: 'hub', initialDeposit: '1000000' });
    expect(opened.status).toBe(201);
    channelId = opened.body.channelId;
    // A non-leader's admin API names the leader for channel operations.
    const refused = await postJson<{ message: string }>(`${ready.i2.admin}/admin/settlement/settle/bob`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('cluster instance i1');
    await waitFor(async () => ((await getJson<ChannelView[]>(`${ready.i1.admin}/admin/channels`)).body.some((c) => c.channelId === channelId) ? true : undefined), 30_000, 'the leader learning the channel from the chain');
    for (let i = 0; i < 5; i++) await pay(1000n);
    await acknowledged(5000n);
    const settled = (await postJson<SettleResult>(`${ready.i1.admin}/admin/settlement/settle/bob`, {})).body;
    expect(settled.redeemed.map((r) => r.status)).toEqual(['redeemed']);
    const onchain = await (await connectEvm(chain!, 0)).getChannel(channelId);
    expect(onchain.claimed).toBe(5n); // 5000 asset units at scale 9 = 5 token base units at 6 decimals
    expect((await health(ready.i2)).cluster?.forwarded).toBeDefined();
  });

  it('SIGKILL of the leader: i2 takes the lane, loads its state, and redeems a later claim exactly once', async () => {
    const hubTokens = await chain!.tokenBalance(chain!.keys[0].address);
    await proc.i1.kill('SIGKILL');
    await waitFor(async () => ((await lanesAt(ready.i2))?.evm === 'i2' ? true : undefined), 30_000, 'i2 leading the evm lane');
    await waitFor(async () => ((await getJson<ChannelView[]>(`${ready.i2.admin}/admin/channels`)).body.find((c) => c.channelId === channelId)), 30_000, 'the channel loaded at i2');
    const view = (await getJson<ChannelView>(`${ready.i2.admin}/admin/channels/${channelId}`)).body;
    expect(view.baseUnits.claimedOnchain).toBe('5');
    for (let i = 0; i < 5; i++) await pay(1000n);
    await acknowledged(10000n);
    const settled = (await postJson<SettleResult>(`${ready.i2.admin}/admin/settlement/settle/bob`, {})).body;
    expect(settled.redeemed.map((r) => r.status)).toEqual(['redeemed']);
    const evm = await connectEvm(chain!, 0);
    expect((await evm.getChannel(channelId)).claimed).toBe(10n);
    // Only the later claim's difference was paid to the hub: nothing redeemed twice.
    expect(await chain!.tokenBalance(chain!.keys[0].address)).toBe(hubTokens + 5n);
    // The books: the hub's onchain account holds every redemption once; bob's say the same.
    await waitFor(async () => ((await balanceAt(ready.i2, 'onchain')) === 10000n ? true : undefined), 30_000, 'the hub booking 10000 redeemed');
    expect(await balanceAt(ready.i2, 'channelIn:bob')).toBe(0n);
    await waitFor(() => (balance(bob, 'channelOut:hub') === 0n ? true : undefined), 30_000, 'bob booking the redemptions');
    expect(balance(bob, 'onchain')).toBe(-10000n);
    // No transaction left open, the best claim stored.
    const db = new pg.Client({ connectionString: server!.url });
    await db.connect();
    try {
      expect((await db.query('SELECT count(*)::int AS n FROM settlement_intents')).rows[0]).toEqual({ n: 0 });
      const row = (await db.query<{ record: { claim?: { transferredAmount: string }; redeemed: string } }>('SELECT record FROM settlement_channels WHERE channel_id = $1', [channelId.toLowerCase()])).rows[0];
      expect([row.record.claim?.transferredAmount, row.record.redeemed]).toEqual(['10', '10']);
    } finally {
      await db.end();
    }
    const verify = await getJson<{ ok: boolean }>(`${ready.i2.admin}/admin/ledger/verify`);
    expect(verify.body.ok).toBe(true);
  });
});
