/**
 * Settlement test helpers: a real chain (anvil + our contracts, startDemoChain), node configs that
 * settle on it, admin calls, and crafted BTP frames sent over a node's real link to a peer. `startPair`
 * also takes a PairChain: any chain (XRPL, Aptos stand-ins) given as its config section and addresses.
 */
import type { Logger } from 'pino';
import { ConnectorNode, computeConditionFromData, IlpPacketType } from '../../src/index.js';
import type { NodeConfigInput } from '../../src/config/index.js';
import type { BtpFrame } from '../../src/node/btp/codec.js';
import type { NodeEvent } from '../../src/node/events.js';
import pino from 'pino';
import type { ChainKind } from '../../src/settlement/chain.js';
import { EvmChain, type EvmChainOptions } from '../../src/settlement/chains/evm/evm-chain.js';
import type { DemoChain } from '../../src/settlement/demo-chain.js';
import { waitFor, type Harness } from '../helpers/node.js';

/** The `settlement` section for a node settling on `chain` with `privateKey`; fast timers for tests. */
export function settlementSection(chain: DemoChain, privateKey: string, extra: Record<string, unknown> = {}): NodeConfigInput['settlement'] {
  return {
    enabled: true,
    ...extra,
    evm: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, contract: chain.contract, token: chain.token, privateKey, pollIntervalMs: 200, resendIntervalMs: 500 },
  };
}

/**
 * An EVM adapter on `chain` with key `key`: silent logger, receipts polled every 50 ms, 30 s to
 * confirm; `extra` adds or overrides options (confirmations, intents, onTx, replaceAfterMs, ...).
 */
export function connectEvm(chain: DemoChain, key: number, extra: Partial<EvmChainOptions> = {}): Promise<EvmChain> {
  return EvmChain.connect({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    contract: chain.contract,
    token: chain.token,
    privateKey: chain.keys[key].privateKey,
    logger: pino({ level: 'silent' }),
    receiptPollMs: 50,
    confirmTimeoutMs: 30_000,
    ...extra,
  });
}

/** Calls a node's admin API; resolves to {status, body}. */
export async function admin<T = unknown>(node: ConnectorNode, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${node.endpoints.admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A ledger balance of a node (0 when the account was never booked). */
export function balance(node: ConnectorNode, account: string): bigint {
  return node.ledgerHandle?.balance(account) ?? 0n;
}

/**
 * Sends `frame` from `from` to its peer `peerId` over their real BTP link (the node keeps its links
 * private: tests reach in to send frames no honest node would).
 * @returns the peer's RESPONSE or ERROR frame
 */
export function sendRaw(from: ConnectorNode, peerId: string, frame: BtpFrame): Promise<BtpFrame> {
  const peers = (from as unknown as { peers: { get(id: string): { link?: { request: (f: BtpFrame, deadline: number, cb: (err: Error | undefined, ilp?: Buffer, response?: BtpFrame) => void) => void } } | undefined } }).peers;
  const link = peers.get(peerId)?.link;
  if (link === undefined) return Promise.reject(new Error(`${from.nodeId} has no link to ${peerId}`));
  return new Promise((resolve, reject) => {
    link.request(frame, Date.now() + 10_000, (err, _ilp, response) => (response ? resolve(response) : reject(err ?? new Error('no answer'))));
  });
}

/** A chain two test nodes settle on: each role's `settlement` section (with `extra` keys merged in) and chain address. */
export interface PairChain {
  kind: ChainKind;
  section(role: 'alice' | 'bob', extra?: Record<string, unknown>): NodeConfigInput['settlement'];
  address(role: 'alice' | 'bob'): string;
}

/** The anvil chain as a PairChain: alice and bob use the chain's accounts `keys` (default 0 and 1). */
export function evmPairChain(chain: DemoChain, keys: [number, number] = [0, 1]): PairChain {
  const key = (role: 'alice' | 'bob') => chain.keys[keys[role === 'alice' ? 0 : 1]];
  return {
    kind: 'evm',
    section: (role, extra) => settlementSection(chain, key(role).privateKey, extra),
    address: (role) => key(role).address,
  };
}

/** Two nodes settling on `chain`: alice pays bob (alice dials bob; bob's handler accepts everything). */
export interface Pair {
  alice: ConnectorNode;
  bob: ConnectorNode;
  /** Pays `amount` from alice to bob through the nodes; resolves once fulfilled. */
  pay(amount: bigint): Promise<void>;
}

export interface PairOptions {
  /** alice's settleThreshold for bob (asset units); unset: no automatic claims. */
  threshold?: string;
  /** Extra keys of each node's `settlement` section (redeem policy). */
  aliceSettlement?: Record<string, unknown>;
  bobSettlement?: Record<string, unknown>;
  assetScale?: number;
  /** Which of the chain's accounts alice and bob use (default 0 and 1; a DemoChain only). */
  keys?: [number, number];
  /** A logger for both nodes (default: silent). */
  logger?: Logger;
}

/** Settings shared by the two node configs of a pair. */
export interface PairNodeOptions {
  secret: string;
  assetScale: number;
  /** The nodes' asset code (default USD); it must be the one the chain carries (XRPL: XRP, Aptos: APT). */
  assetCode?: string;
  /** Extra keys of the node's `settlement` section. */
  settlement?: Record<string, unknown>;
  /** alice only: her settleThreshold for bob (asset units); unset: no automatic claims. */
  threshold?: string;
}

/** Bob's config: paid by alice on `chain` (alice dials him; he gives her a large credit limit). */
export function payeeConfig(chain: PairChain, o: PairNodeOptions): NodeConfigInput & { nodeId: string } {
  return {
    nodeId: 'bob',
    assetScale: o.assetScale,
    ...(o.assetCode === undefined ? {} : { assetCode: o.assetCode }),
    peers: [{ id: 'alice', relation: 'peer', authToken: o.secret, creditLimit: '1000000000000', settlement: { chain: chain.kind, address: chain.address('alice') } }],
    settlement: chain.section('bob', o.settlement),
  };
}

/** Alice's config: she pays bob (listening on `bobPort`) on `chain`, routing g.bob to him. */
export function payerConfig(chain: PairChain, bobPort: number, o: PairNodeOptions): NodeConfigInput & { nodeId: string } {
  return {
    nodeId: 'alice',
    assetScale: o.assetScale,
    ...(o.assetCode === undefined ? {} : { assetCode: o.assetCode }),
    peers: [
      {
        id: 'bob',
        relation: 'peer',
        url: `ws://127.0.0.1:${bobPort}`,
        authToken: o.secret,
        creditLimit: '0',
        ...(o.threshold === undefined ? {} : { settleThreshold: o.threshold }),
        settlement: { chain: chain.kind, address: chain.address('bob') },
      },
    ],
    routes: [{ prefix: 'g.bob', nextHop: 'bob' }],
    settlement: chain.section('alice', o.settlement),
  };
}

/** Pays `amount` from `alice` to g.bob; resolves once fulfilled, throws with the code when rejected. */
export async function payBob(alice: ConnectorNode, amount: bigint): Promise<void> {
  const data = Buffer.from(`pay ${Math.random()}`);
  const r = await alice.sendPacket({ destination: 'g.bob', amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 10_000), data });
  if (r.type !== IlpPacketType.Fulfill) throw new Error(`payment rejected: ${r.code} ${r.message}`);
}

/** Bob (payeeConfig) in `dataDir`, accepting every packet, his events pushed to `events`; not started. */
export function payeeNode(h: Harness, chain: PairChain, o: PairNodeOptions & { dataDir: string; btpServerPort?: number; events: NodeEvent[] }): ConnectorNode {
  const node = h.node({ ...payeeConfig(chain, o), dataDir: o.dataDir, btpServerPort: o.btpServerPort ?? 0 });
  node.setPacketHandler(() => ({ accept: true }));
  node.events.subscribe((batch) => o.events.push(...batch));
  return node;
}

/** Alice (payerConfig) in `dataDir`, dialing bob on `bobPort`, her events pushed to `events`; not started. */
export function payerNode(h: Harness, chain: PairChain, bobPort: number, o: PairNodeOptions & { dataDir: string; events: NodeEvent[] }): ConnectorNode {
  const node = h.node({ ...payerConfig(chain, bobPort, o), dataDir: o.dataDir });
  node.events.subscribe((batch) => o.events.push(...batch));
  return node;
}

/** Starts bob, then alice (made once bob listens: she dials his port), and waits until bob sees her connected. */
export async function startBobThenAlice(bob: ConnectorNode, makeAlice: (bobPort: number) => ConnectorNode): Promise<ConnectorNode> {
  await bob.start();
  const alice = makeAlice(bob.btpPort);
  await alice.start();
  await waitFor(() => bob.listPeers()[0]?.connected, 10_000, 'alice connected to bob');
  return alice;
}

export async function startPair(h: Harness, on: DemoChain | PairChain, o: PairOptions = {}): Promise<Pair> {
  const chain = 'kind' in on ? on : evmPairChain(on, o.keys);
  const secret = 'pair-secret';
  const node = (config: NodeConfigInput & { nodeId: string }): ConnectorNode => {
    if (o.logger === undefined) return h.node(config);
    const n = new ConnectorNode(
      { btpServerPort: 0, healthCheckPort: 0, dataDir: h.dir(), ...config, adminApi: { enabled: true, port: 0 } },
      o.logger.child({ node: config.nodeId }),
      { env: {} },
    );
    h.onCleanup(() => n.stop());
    return n;
  };
  const bob = node(payeeConfig(chain, { secret, assetScale: o.assetScale ?? 9, settlement: o.bobSettlement }));
  bob.setPacketHandler(() => ({ accept: true }));
  const alice = await startBobThenAlice(bob, (port) => node(payerConfig(chain, port, { secret, assetScale: o.assetScale ?? 9, threshold: o.threshold, settlement: o.aliceSettlement })));
  return { alice, bob, pay: (amount) => payBob(alice, amount) };
}
