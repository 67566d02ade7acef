/**
 * What an ILP-over-HTTP peer's failure means upstream (RFC 0035 §Error Handling): every request the
 * peer accepted is answered 200 with a Fulfill or Reject; anything else becomes a Reject we make, with
 * a code the sender can act on and a message naming the peer and what it did.
 *
 * | what happened | code |
 * |---|---|
 * | no connection (refused, no such host, no route to host) | T01 Peer Unreachable |
 * | connection reset or closed after the request went out | T00 Internal Error (the peer may have seen it) |
 * | 5xx | T00 (the RFC's rule) |
 * | 429 Too Many Requests | T05 Rate Limited (HTTP's own "try later") |
 * | 404 Not Found | F02 Unreachable (no ILP endpoint at the peer's URL) |
 * | any other 4xx (400, 401, 403, 413, 415, ...) | F00 Bad Request (retrying the same request cannot help) |
 * | 1xx, 3xx, 2xx other than 200 | T00 |
 * | 200 whose body is not an ILP Fulfill or Reject | T00 |
 *
 * 408 Request Timeout is a 4xx the peer sends when our request was slow to arrive: temporary, T00.
 */
import type { IlpErrorCode } from '../../errors/ilp-codes.js';
import { LinkError } from '../btp/btp-link.js';

/** Node's codes for a connection that never opened: the peer is unreachable, not faulty. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);

/** The ILP code for a non-200 HTTP status from a peer. */
export function statusToIlpCode(status: number): IlpErrorCode {
  if (status === 404) return 'F02';
  if (status === 429) return 'T05';
  if (status === 408) return 'T00';
  if (status >= 400 && status < 500) return 'F00';
  return 'T00';
}

/** A peer's non-200 answer as a LinkError carrying its ILP code; `body` is what it said (text is kept short). */
export function statusError(peerId: string, status: number, body: Buffer): LinkError {
  const text = printable(body, 120);
  return new LinkError(`peer ${peerId} answered HTTP ${status}${text ? `: ${text}` : ''}`, 'btp-error', `HTTP ${status}`, statusToIlpCode(status));
}

/** A request that failed below HTTP: T01 when no connection could be made, T00 when one broke. */
export function transportError(peerId: string, err: NodeJS.ErrnoException): LinkError {
  const code = err.code ?? '';
  if (UNREACHABLE.has(code)) {
    return new LinkError(`peer ${peerId} is unreachable over HTTP: ${reason(code, err.message)}`, 'closed', undefined, 'T01');
  }
  return new LinkError(`HTTP request to peer ${peerId} failed: ${reason(code, err.message)}`, 'closed', undefined, 'T00');
}

/** A 200 whose body is not an ILP Fulfill or Reject. */
export function notIlpError(peerId: string, body: Buffer, contentType: string | undefined, why: string): LinkError {
  const type = contentType ? `${contentType.split(';')[0]}, ` : '';
  return new LinkError(
    `peer ${peerId} answered HTTP 200 with a body that is not an ILP Fulfill or Reject (${type}${body.length} bytes): ${why}`,
    'btp-error',
    'HTTP',
    'T00',
  );
}

function reason(code: string, message: string): string {
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
  if (code === 'ECONNRESET') return 'connection reset (ECONNRESET)';
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** The start of a body as one line of printable text (the peer's words go into a Reject message). */
function printable(body: Buffer, max: number): string {
  return body.subarray(0, max).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
}
