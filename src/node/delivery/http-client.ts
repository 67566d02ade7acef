/**
 * Local delivery over HTTP: `POST {handlerUrl}/handle-packet` with the simple handler's JSON
 * (PaymentRequest), for a business logic server in another process (the seed README's Option B).
 *
 * The answer is returned as a value: the PaymentResponse, or an error naming the ILP code the
 * pipeline should reject with (T00 for a broken server, R00 when the packet's time ran out).
 * Messages here go into ILP Rejects, so they never carry the server's own error body; that goes to the log.
 */
import type { Logger } from 'pino';
import type { PaymentRequest, PaymentResponse } from '../types.js';

/** A delivery that produced no usable answer. */
export interface DeliveryError {
  error: { code: 'T00' | 'R00'; message: string };
}

export interface HttpDeliveryClient {
  /**
   * Posts one payment. The wait ends at the earliest of `timeoutMs`, the request's `expiresAt` and
   * `remainingMs` (the ms the caller has left before the packet expires), or when `signal` aborts
   * (node stopping). Never throws. Both call shapes work: `deliver(req, leftMs, signal?)` and `deliver(req, signal)`.
   */
  deliver(request: PaymentRequest, remainingMs?: number | AbortSignal, signal?: AbortSignal): Promise<PaymentResponse | DeliveryError>;
}

export interface HttpDeliveryClientOptions {
  /** Base URL of the business logic server, e.g. http://127.0.0.1:8090 (a trailing slash is fine). */
  handlerUrl: string;
  /** Longest wait for an answer, in ms (config `localDelivery.timeout`, default 30000). */
  timeoutMs: number;
  logger: Logger;
  /** Sent as `Authorization: Bearer <authToken>` when set (config `localDelivery.authToken`). */
  authToken?: string;
  /** Largest response body read, in bytes (default 1 MiB); a larger answer is malformed. */
  maxResponseBytes?: number;
}

/** Creates the client; connections are kept alive and reused by Node's fetch (undici). */
export function createHttpDeliveryClient(opts: HttpDeliveryClientOptions): HttpDeliveryClient {
  const endpoint = `${opts.handlerUrl.replace(/\/+$/, '')}/handle-packet`;
  const maxBytes = opts.maxResponseBytes ?? 1024 * 1024;
  const log = opts.logger.child({ module: 'http-delivery' });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.authToken) headers.authorization = `Bearer ${opts.authToken}`;

  async function deliver(
    request: PaymentRequest,
    remainingOrSignal?: number | AbortSignal,
    abortSignal?: AbortSignal,
  ): Promise<PaymentResponse | DeliveryError> {
    const signal = typeof remainingOrSignal === 'object' ? remainingOrSignal : abortSignal;
    const callerLeft = typeof remainingOrSignal === 'number' ? remainingOrSignal : Infinity;
    const leftMs = Math.min(Date.parse(request.expiresAt) - Date.now(), callerLeft);
    if (!(leftMs > 0)) return fail('R00', 'Payment has expired');
    if (signal?.aborted) return fail('R00', 'Delivery aborted');
    const waitMs = Math.max(1, Math.floor(Math.min(opts.timeoutMs, leftMs)));
    const timeout = AbortSignal.timeout(waitMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;

    let res: Response;
    let text: string;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        signal: combined,
      });
      text = await readLimited(res, maxBytes);
    } catch (err) {
      if (timeout.aborted) {
        log.warn({ paymentId: request.paymentId, waitMs }, 'business logic server did not answer in time');
        return fail('R00', `Business logic server did not answer within ${waitMs} ms`);
      }
      if (signal?.aborted) return fail('R00', 'Delivery aborted');
      if (err instanceof ResponseTooLarge) {
        log.warn({ paymentId: request.paymentId, maxBytes }, 'business logic server answer too large');
        return fail('T00', 'Malformed response from business logic server');
      }
      log.warn({ err, paymentId: request.paymentId, url: endpoint }, 'business logic server unreachable');
      return fail('T00', `Business logic server unreachable at ${opts.handlerUrl}`);
    }

    if (res.status < 200 || res.status > 299) {
      log.warn({ paymentId: request.paymentId, status: res.status, body: text.slice(0, 500) }, 'business logic server error');
      return fail('T00', `Business logic server returned status ${res.status}`);
    }
    const parsed = parseResponse(text);
    if (parsed === undefined) {
      log.warn({ paymentId: request.paymentId, body: text.slice(0, 500) }, 'malformed business logic answer');
      return fail('T00', 'Malformed response from business logic server: expected {"accept": boolean}');
    }
    return parsed;
  }

  return { deliver };
}

function fail(code: 'T00' | 'R00', message: string): DeliveryError {
  return { error: { code, message } };
}

class ResponseTooLarge extends Error {}

/** Reads the body as UTF-8, giving up (and cancelling the stream) past `maxBytes`. */
async function readLimited(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Leaving the loop early (throw) cancels the stream, which releases the connection.
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new ResponseTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Keeps only the known, well-typed fields; undefined when `accept` is not a boolean. */
function parseResponse(text: string): PaymentResponse | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.accept !== 'boolean') return undefined;
  const out: PaymentResponse = { accept: b.accept };
  if (typeof b.data === 'string') out.data = b.data;
  const reason = b.rejectReason;
  if (typeof reason === 'object' && reason !== null) {
    const r = reason as Record<string, unknown>;
    out.rejectReason = {
      code: typeof r.code === 'string' ? r.code : '',
      message: typeof r.message === 'string' ? r.message : '',
    };
  }
  return out;
}
