/** Shared pieces of the agents tests: keys, an admin API caller, a payment from the library. */
import { computeConditionFromData } from '../../src/node/delivery/payment-adapter.js';
import type { ConnectorNode, SendPacketResult } from '../../src/index.js';

export const OPERATOR = 'operator-key-0123456789';
export const AGENT = 'agent-key-0123456789abcdef';

/** adminApi with the operator's key and an agent key (send + read). */
export const keyedAdmin = { apiKey: OPERATOR, keys: [{ name: 'agent', key: AGENT, scopes: ['send' as const, 'read' as const] }] };

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export async function call(base: string, method: string, path: string, key?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** One payment from `node`'s local agent (or, for a child node, through its parent). */
export function pay(node: ConnectorNode, destination: string, amount: bigint, text = 'hi'): Promise<SendPacketResult> {
  const data = Buffer.from(text);
  return node.sendPacket({
    destination,
    amount,
    executionCondition: computeConditionFromData(data).condition,
    expiresAt: new Date(Date.now() + 20_000),
    data,
  });
}

/** Accepts every packet, echoing its data. */
export function acceptAll(node: ConnectorNode): void {
  node.setPacketHandler((req) => ({ accept: true, data: req.data }));
}
