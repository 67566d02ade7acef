/**
 * Sends a payment through the node's admin API (`POST /admin/ilp/send`): the outbound half of Option B.
 *
 *   node --import tsx examples/business-logic-typescript/send.ts <destination> <amount> [message]
 *   node --import tsx examples/business-logic-typescript/send.ts g.bob.agent 1000 "What's the ETH price?"
 *
 * Environment: AGENT_RUNTIME_URL (default http://127.0.0.1:8081), AGENT_RUNTIME_API_KEY (sent as the
 * X-Api-Key header when set). Prints the node's answer as JSON; exits 1 when the payment is rejected.
 */
import { pathToFileURL } from 'node:url';

/** The node's answer: a Fulfill or a Reject, both as values (HTTP 200). */
export type SendResult =
  | { accepted: true; fulfilled: true; fulfillment: string; data?: string; packetId: string }
  | { accepted: false; fulfilled: false; code: string; message: string; triggeredBy: string; data?: string; packetId: string };

/**
 * Posts one payment. The node computes the condition from the data (sha256(sha256(data))), so the
 * receiver's node can fulfil it; amounts are decimal strings.
 */
export async function sendPayment(opts: {
  url: string;
  apiKey?: string;
  destination: string;
  amount: string;
  message?: string;
  timeoutMs?: number;
}): Promise<SendResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  const body = {
    destination: opts.destination,
    amount: opts.amount,
    ...(opts.message ? { data: Buffer.from(opts.message, 'utf8').toString('base64') } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  const res = await fetch(`${opts.url.replace(/\/+$/, '')}/admin/ilp/send`, { method: 'POST', headers, body: JSON.stringify(body) });
  const answer = (await res.json()) as SendResult | { error: string; message: string };
  if (!res.ok || 'error' in answer) {
    const e = answer as { error?: string; message?: string };
    throw new Error(`admin API answered ${res.status}: ${e.error ?? ''} ${e.message ?? ''}`.trim());
  }
  return answer;
}

async function main(): Promise<void> {
  const [destination, amount, message] = process.argv.slice(2);
  if (!destination || !amount) {
    console.error('usage: send.ts <destination> <amount> [message]');
    process.exit(2);
  }
  const url = process.env.AGENT_RUNTIME_URL ?? 'http://127.0.0.1:8081';
  const result = await sendPayment({ url, apiKey: process.env.AGENT_RUNTIME_API_KEY, destination, amount, message });
  if (result.data) console.error(`reply: ${Buffer.from(result.data, 'base64').toString('utf8')}`);
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.fulfilled ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
    console.error(`${err instanceof Error ? err.message : String(err)}${cause}`);
    console.error('Is the node running? Check AGENT_RUNTIME_URL (default http://127.0.0.1:8081).');
    process.exit(1);
  });
}
