/**
 * Settlement test helpers: a real chain (anvil + our contracts, startDemoChain), node configs that
 * settle on it, admin calls, and crafted BTP frames sent over a node's real link to a peer.
 */
import type { ConnectorNode } from '../../src/index.js';
import type { NodeConfigInput } from '../../src/config/index.js';
import type { BtpFrame } from '../../src/node/btp/codec.js';
import type { DemoChain } from '../../src/settlement/demo-chain.js';

/** The `settlement` section for a node settling on `chain` with `privateKey`; fast timers for tests. */
export function settlementSection(chain: DemoChain, privateKey: string, extra: Record<string, unknown> = {}): NodeConfigInput['settlement'] {
  return {
    enabled: true,
    ...extra,
    evm: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, contract: chain.contract, token: chain.token, privateKey, pollIntervalMs: 200, resendIntervalMs: 500 },
  };
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
