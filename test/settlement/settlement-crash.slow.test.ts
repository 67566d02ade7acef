/**
 * Settlement crash harness: bob is a real node process (the built CLI, `start --json`) settling on
 * anvil; alice, in this process, pays him and sends claims. Bob's JSON-RPC goes through a proxy here
 * that can hold his transactions, so each kill lands at a known point of a transaction's life:
 *
 * - `hold-send`: his `eth_sendRawTransaction` to the channel contract is held, never forwarded: the
 *   intent is on disk (written, fsynced, before the send), the chain never saw the transaction;
 * - `hold-receipt`: the send is forwarded (anvil mines it at once), then every receipt request is
 *   held: mined, but bob never learned it.
 *
 * At each point bob is killed with SIGKILL and started again on the same data directory, for a
 * deposit into his channel to alice and for a redemption of alice's claims. Afterwards, every round:
 * the chain, bob's views (admin API) and both ledgers agree to the unit (deposit, claimed on-chain,
 * onchain and channel accounts, bob's token balance), both ledgers sum to zero, and no transaction was
 * sent twice: every nonce bob signed belongs to one transaction only, and his account's transaction
 * count is the number of nonces. Admin calls and the ledger and store checks are crash-harness.ts's. At the end bob's settlement store, opened directly, holds no open
 * intent and the chain's figures. Each restart reports its outcome as a `settlement:tx` event.
 *
 * Two kills, each at two points at once: (A) a redemption sent and mined whose receipt bob never read,
 * and a deposit written but never sent; (B) the other way round. The last start runs bob in this
 * process on the same config and data directory (same recovery code, a far quicker start): two
 * process starts cost ~15 s each on a loaded 2-core machine, which keeps the file under a minute.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Contract, Interface, JsonRpcProvider, Transaction } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorNode } from '../../src/index.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { root } from '../e2e/process.js';
import { Harness, quietLogger, waitFor } from '../helpers/node.js';
import { balanceOf, cliSnapshot, freePort, removeCliSnapshot, startNodeProcess, sumBalances, type NodeProcess } from '../reliability/helpers.js';
import { accounts, adminCall, expectLedgerSound, expectNoOpenIntent } from './crash-harness.js';
import { admin, evmPairChain, payBob, payerNode } from './helpers.js';

/** Which of bob's contract calls to hold: its send (never forwarded), or its receipt (sent, never answered). */
interface Plan {
  holdSend?: string;
  holdReceipt?: string;
}

/** A JSON-RPC proxy in front of anvil that records bob's signed transactions and holds what the plan says. */
class RpcProxy {
  private plan: Plan = {};
  heldSends = 0;
  heldReceipts = 0;
  /** Every signed transaction bob sent (held or forwarded): nonce → hashes. */
  readonly nonces = new Map<number, Set<string>>();
  private readonly receiptsToHold = new Set<string>();
  private server: Server | undefined;
  private readonly open = new Set<ServerResponse>();
  private readonly iface = new Interface(loadArtifact('TokenNetwork').abi);

  constructor(
    private readonly target: string,
    private readonly contract: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A new plan; whatever was held is dropped (bob is dead by then). */
  set(plan: Plan): void {
    this.plan = plan;
    this.heldSends = 0;
    this.heldReceipts = 0;
    this.receiptsToHold.clear();
    for (const res of this.open) res.destroy();
    this.open.clear();
  }

  async stop(): Promise<void> {
    this.set({});
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const calls = [JSON.parse(body)].flat() as { method: string; params: unknown[] }[];
    const forwardThenHold: string[] = [];
    let holdSend = false;
    for (const c of calls.filter((x) => x.method === 'eth_sendRawTransaction')) {
      const tx = Transaction.from(c.params[0] as string);
      const set = this.nonces.get(tx.nonce) ?? new Set<string>();
      set.add(tx.hash as string);
      this.nonces.set(tx.nonce, set);
      const fn = tx.to?.toLowerCase() === this.contract.toLowerCase() ? this.iface.parseTransaction({ data: tx.data })?.name : undefined;
      if (fn !== undefined && fn === this.plan.holdSend) holdSend = true;
      if (fn !== undefined && fn === this.plan.holdReceipt) forwardThenHold.push(tx.hash as string);
    }
    const holdReceipt = calls.some((c) => c.method === 'eth_getTransactionReceipt' && this.receiptsToHold.has(String(c.params[0])));
    if (holdSend || holdReceipt) {
      if (holdSend) this.heldSends++;
      else this.heldReceipts++;
      this.open.add(res);
      return;
    }
    try {
      const answer = await fetch(this.target, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(20_000) });
      const text = await answer.text();
      for (const h of forwardThenHold) this.receiptsToHold.add(h);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    } catch {
      res.destroy();
    }
  }
}

const h = new Harness();
let chain: DemoChain;
let proxy: RpcProxy;
let provider: JsonRpcProvider;
let runJs = '';
let dir = '';
let handler: Server | undefined;
const procs: NodeProcess[] = [];

beforeAll(async () => {
  runJs = await cliSnapshot();
  // the package ships the contract artifacts and version hashes the EVM adapter reads at connect
  cpSync(join(root, 'contracts'), join(runJs, '..', '..', 'contracts'), { recursive: true });
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  proxy = new RpcProxy(chain.rpcUrl, chain.contract);
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  dir = mkdtempSync(join(tmpdir(), 'ar-settle-crash-'));
}, 400_000);

afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await h.cleanup();
  await proxy?.stop();
  handler?.closeAllConnections();
  await new Promise((resolve) => (handler ? handler.close(resolve) : resolve(undefined)));
  provider?.destroy();
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (runJs) removeCliSnapshot(runJs);
}, 60_000);

/** Bob as a process (killed with SIGKILL) or, for the last look, in this process (stopped). */
interface Bob {
  admin: string;
  /** His settlement:tx events since he started. */
  txEvents(): { kind: string; outcome: string }[];
  kill(): Promise<void>;
}

describe('settlement crash harness (anvil, bob a real process)', () => {
  it('SIGKILL around a deposit and a redemption: chain, store and ledgers agree; nothing sent twice', { timeout: 120_000 }, async () => {
    // bob's packet handler: accepts everything
    handler = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"accept":true}'));
    await new Promise<void>((resolve) => handler!.listen(0, '127.0.0.1', resolve));
    const rpcUrl = await proxy.start();
    const btpPort = await freePort();
    const bobData = join(dir, 'bob');
    const bobYaml = join(dir, 'bob.yaml');
    const [aliceKey, bobKey] = chain.keys;
    writeFileSync(
      bobYaml,
      [
        'nodeId: bob',
        'ilpAddress: g.bob',
        'assetScale: 6',
        `dataDir: ${JSON.stringify(bobData)}`,
        `btpServerPort: ${btpPort}`,
        'healthCheckPort: 0',
        'adminApi:',
        '  enabled: true',
        '  port: 0',
        'localDelivery:',
        '  enabled: true',
        `  handlerUrl: http://127.0.0.1:${(handler.address() as AddressInfo).port}`,
        'peers:',
        '  - id: alice',
        '    relation: peer',
        '    creditLimit: "1000000000000"',
        `    settlement: { chain: evm, address: "${aliceKey.address}" }`,
        'settlement:',
        '  enabled: true',
        '  evm:',
        `    rpcUrl: ${rpcUrl}`,
        `    chainId: ${chain.chainId}`,
        `    contract: "${chain.contract}"`,
        `    token: "${chain.token}"`,
        '    pollIntervalMs: 200',
        '    resendIntervalMs: 500',
        '',
      ].join('\n'),
    );
    const bobEnv = { BTP_PEER_ALICE_SECRET: 'crash-secret', AGENT_RUNTIME_EVM_PRIVATE_KEY: bobKey.privateKey };
    const startBob = async (): Promise<Bob> => {
      const proc = startNodeProcess(runJs, bobYaml, bobEnv);
      procs.push(proc);
      const started = await proc.started;
      const txEvents = () =>
        proc.stdout
          .split('\n')
          .filter((l) => l.includes('"settlement:tx"'))
          .map((l) => JSON.parse(l) as { kind: string; outcome: string });
      return { admin: started.adminUrl!, txEvents, kill: () => proc.kill('SIGKILL') };
    };
    /** The same config and data directory, in this process: the recovery code is the same, the start far quicker. */
    const startBobHere = async (): Promise<Bob> => {
      const node = new ConnectorNode(bobYaml, quietLogger(), { env: bobEnv });
      const seen: { kind: string; outcome: string }[] = [];
      node.events.subscribe((batch) => {
        for (const e of batch) if (e.type === 'settlement:tx') seen.push(e);
      });
      let stopped: Promise<void> | undefined;
      const stop = () => (stopped ??= node.stop());
      h.onCleanup(stop);
      await node.start();
      return { admin: node.endpoints.admin!, txEvents: () => seen, kill: stop };
    };
    const bobAdmin = <T>(b: Bob, method: string, path: string, body?: unknown): Promise<T> => adminCall<T>(b.admin, method, path, body);
    let bob = await startBob();
    const alice: ConnectorNode = payerNode(h, evmPairChain(chain), btpPort, { secret: 'crash-secret', assetScale: 6, threshold: '1000', dataDir: h.dir(), events: [] });
    await alice.start();
    await waitFor(() => alice.listPeers()[0]?.connected === true, 20_000, 'alice connected to bob');

    const network = new Contract(chain.contract, loadArtifact('TokenNetwork').abi, provider);
    const token = new Contract(chain.token, loadArtifact('TestToken').abi, provider);
    const onchain = async (id: string) => (await network.getFunction('getChannel')(id)) as { deposit: bigint; claimed: bigint };
    const tokens = async (): Promise<bigint> => (await token.getFunction('balanceOf')(bobKey.address)) as bigint;
    const bobTokens0 = await tokens();

    // channels: alice → bob (claims), bob → alice (bob's deposits)
    const aliceOpen = await admin<{ channelId: string }>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1000000' });
    expect(aliceOpen.status).toBe(201);
    const inId = aliceOpen.body.channelId;
    const outId = (await bobAdmin<{ channelId: string }>(bob, 'POST', '/admin/channels', { peerId: 'alice', initialDeposit: '100000' })).channelId;
    let deposited = 100_000n;

    const pay = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await payBob(alice, 700n);
      await waitFor(async () => (await admin<{ acknowledged: string }>(alice, 'GET', `/admin/channels/${inId}`)).body.acknowledged !== '0', 20_000, 'a claim acknowledged');
    };

    /** Chain, bob's views and ledger, alice's ledger and bob's transactions agree. */
    const agree = async (label: string): Promise<void> => {
      const [inc, out] = [await onchain(inId), await onchain(outId)];
      expect(out.deposit, `${label}: deposit on-chain`).toBe(deposited);
      await waitFor(
        async () => {
          // 404 until bob has read alice's channel from the chain
          const vIn = await bobAdmin<{ claimedOnchain: string }>(bob, 'GET', `/admin/channels/${inId}`).catch(() => undefined);
          const vOut = await bobAdmin<{ deposit: string }>(bob, 'GET', `/admin/channels/${outId}`).catch(() => undefined);
          return vIn?.claimedOnchain === inc.claimed.toString() && vOut?.deposit === out.deposit.toString();
        },
        20_000,
        `${label}: bob's channels as the chain has them`,
      );
      const list = await accounts(bob.admin);
      const bal = (a: string) => balanceOf(list, a);
      const acked = BigInt((await bobAdmin<{ acknowledged: string }>(bob, 'GET', `/admin/channels/${inId}`)).acknowledged);
      await expectLedgerSound(`${label}: bob`, bob.admin, list);
      expect(bal('onchain'), `${label}: bob's onchain = redeemed on-chain`).toBe(inc.claimed);
      expect(bal('channelIn:alice'), `${label}: bob's channelIn = claims booked − redeemed`).toBe(acked - inc.claimed);
      await waitFor(() => alice.ledgerHandle!.balance('onchain') === -inc.claimed, 20_000, `${label}: alice booked the redemption`);
      expect(sumBalances(alice.getAccounts()), `${label}: alice sums to zero`).toBe(0n);
      expect(await tokens(), `${label}: bob's tokens`).toBe(bobTokens0 - deposited + inc.claimed);
      for (const [nonce, hashes] of proxy.nonces) expect(hashes.size, `${label}: nonce ${nonce} signed once`).toBe(1);
      expect(await provider.getTransactionCount(bobKey.address, 'latest'), `${label}: one transaction per nonce`).toBe(proxy.nonces.size);
    };

    const deposit = (amount: string) => (b: Bob) => bobAdmin(b, 'POST', `/admin/channels/${outId}/deposit`, { amount });
    const redeem = (b: Bob) => bobAdmin(b, 'POST', '/admin/settlement/settle/alice');

    /**
     * With the proxy holding `first`'s receipt and `second`'s send: starts `first` on bob, once its
     * receipt is held starts `second` (the nonce queue is free again: `first` was broadcast), kills bob
     * once `second`'s send is held, and starts him again.
     */
    const crash = async (
      first: { call: string; op: (b: Bob) => Promise<unknown> },
      second: { call: string; op: (b: Bob) => Promise<unknown> },
      restart: () => Promise<Bob>,
    ): Promise<void> => {
      proxy.set({ holdReceipt: first.call, holdSend: second.call });
      const ops = [first.op(bob).catch(() => undefined)]; // bob dies under them
      await waitFor(() => proxy.heldReceipts > 0, 20_000, `${first.call} sent, its receipt held`);
      ops.push(second.op(bob).catch(() => undefined));
      await waitFor(() => proxy.heldSends > 0, 20_000, `${second.call}'s send held`);
      await bob.kill();
      await Promise.all(ops);
      proxy.set({});
      bob = await restart();
      await waitFor(() => alice.listPeers()[0]?.connected === true, 30_000, 'alice reconnected');
    };
    const kinds = (b: Bob, outcome: string) =>
      b
        .txEvents()
        .filter((e) => e.outcome === outcome)
        .map((e) => e.kind)
        .sort();

    await pay(4);
    await agree('start');

    // A. a redemption sent and mined, its receipt never read; a deposit written, never sent
    await crash({ call: 'claim', op: redeem }, { call: 'setTotalDeposit', op: deposit('5000') }, startBob);
    deposited += 5000n;
    await waitFor(async () => (await onchain(outId)).deposit === deposited && (await onchain(inId)).claimed > 0n, 20_000, 'both done after the restart');
    await agree('A');
    expect(kinds(bob, 'resent'), 'A: only the deposit that never left was sent again').toEqual(['setTotalDeposit']);
    await waitFor(() => kinds(bob, 'mined').length === 2, 20_000, 'A: both finished');
    expect(kinds(bob, 'mined')).toEqual(['claim', 'setTotalDeposit']);

    // B. a deposit sent and mined, its receipt never read; a redemption written, never sent
    const claimedBefore = (await onchain(inId)).claimed;
    await pay(3);
    await waitFor(async () => BigInt((await admin<{ acknowledged: string }>(alice, 'GET', `/admin/channels/${inId}`)).body.acknowledged) > claimedBefore, 20_000, 'new claims');
    await crash({ call: 'setTotalDeposit', op: deposit('7000') }, { call: 'claim', op: redeem }, startBobHere);
    deposited += 7000n;
    await waitFor(async () => (await onchain(outId)).deposit === deposited && (await onchain(inId)).claimed > claimedBefore, 20_000, 'both done after the restart');
    await agree('B');
    expect(kinds(bob, 'resent'), 'B: only the redemption that never left was sent again').toEqual(['claim']);
    await waitFor(() => kinds(bob, 'mined').length === 2, 20_000, 'B: both finished');
    expect(kinds(bob, 'mined')).toEqual(['claim', 'setTotalDeposit']);

    // bob's store, opened directly: no open intent, the chain's figures
    await bob.kill();
    await expectNoOpenIntent(bobData, 'evm', async (store) => {
      const records = new Map((await store.channels()).map((r) => [r.channelId, r]));
      const [inc, out] = [await onchain(inId), await onchain(outId)];
      expect(records.get(inId.toLowerCase())).toMatchObject({ claimed: inc.claimed, redeemed: inc.claimed, pending: [] });
      expect(records.get(outId.toLowerCase())).toMatchObject({ deposit: out.deposit, pending: [] });
    });
  });
});
