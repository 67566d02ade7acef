/**
 * A business logic server for agent-runtime's local delivery over HTTP (Option B: a separate process).
 *
 * The node POSTs every packet addressed to this agent to `/handle-packet` and turns the answer into an
 * ILP Fulfill or Reject. This server accepts payments of at least MINIMUM_PAYMENT and logs their message.
 *
 *   node --import tsx examples/business-logic-typescript/server.ts
 *
 * Environment: PORT (default 8090), HOST (default 127.0.0.1), MINIMUM_PAYMENT (default 100, in the
 * node's asset units), LOCAL_DELIVERY_AUTH_TOKEN (when set, the node must send it as a bearer token:
 * set the same value as localDelivery.authToken).
 *
 * Plain node:http and no dependencies, so the file can be copied into any project.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

/** What the node posts (amounts are decimal strings: they can exceed Number.MAX_SAFE_INTEGER). */
export interface PaymentRequest {
  paymentId: string;
  destination: string;
  amount: string;
  /** ISO 8601; answer before it or the payment is rejected anyway. */
  expiresAt: string;
  /** base64 */
  data?: string;
}

/** What the node expects back. Reject codes: invalid_amount, insufficient_funds, unexpected_payment, ... */
export interface PaymentResponse {
  accept: boolean;
  /** base64, at most 32767 bytes decoded: travels back to the sender in the Fulfill or Reject. */
  data?: string;
  rejectReason?: { code: string; message: string };
}

/** The business logic: accept when the amount is at least `minimum`. */
export function handlePayment(request: PaymentRequest, minimum: bigint, log: (line: string) => void = console.log): PaymentResponse {
  const message = request.data ? Buffer.from(request.data, 'base64').toString('utf8') : '';
  if (BigInt(request.amount) < minimum) {
    return { accept: false, rejectReason: { code: 'invalid_amount', message: `Pay at least ${minimum}` } };
  }
  log(`Received ${request.amount} to ${request.destination} with message: ${JSON.stringify(message)}`);
  return { accept: true, data: Buffer.from(`thanks for ${request.amount}`).toString('base64') };
}

function isPaymentRequest(body: unknown): body is PaymentRequest {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.paymentId === 'string' &&
    typeof b.destination === 'string' &&
    typeof b.amount === 'string' &&
    /^[0-9]+$/.test(b.amount) &&
    typeof b.expiresAt === 'string' &&
    (b.data === undefined || typeof b.data === 'string')
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

export interface ServerOptions {
  minimum: bigint;
  authToken?: string;
  log?: (line: string) => void;
}

/** The HTTP server; call listen() on it. */
export function createBusinessLogicServer(opts: ServerOptions): Server {
  const log = opts.log ?? console.log;
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || path !== '/handle-packet') return send(res, 404, { error: 'NotFound' });
    if (opts.authToken && req.headers.authorization !== `Bearer ${opts.authToken}`) {
      return send(res, 401, { error: 'Unauthorized' });
    }
    readJson(req, 1024 * 1024).then(
      (body) => {
        // A 4xx makes the node reject with T00: only for requests that are not payments at all.
        if (!isPaymentRequest(body)) return send(res, 400, { error: 'BadRequest' });
        try {
          send(res, 200, handlePayment(body, opts.minimum, log));
        } catch (err) {
          log(`handler failed: ${String(err)}`);
          send(res, 200, { accept: false, rejectReason: { code: 'application_error', message: 'Handler failed' } });
        }
      },
      () => send(res, 400, { error: 'BadRequest' }),
    );
  });
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8090);
  const host = process.env.HOST ?? '127.0.0.1';
  const minimum = BigInt(process.env.MINIMUM_PAYMENT ?? '100');
  const authToken = process.env.LOCAL_DELIVERY_AUTH_TOKEN || undefined;
  const server = createBusinessLogicServer({ minimum, authToken });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  console.log(`business logic server listening on http://${host}:${bound} (minimum payment ${minimum})`);
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
