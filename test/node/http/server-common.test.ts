import { describe, expect, it } from 'vitest';
import { AppError, NotFoundError, appError } from '../../../src/errors/index.js';
import { toHttpError } from '../../../src/node/http/server-common.js';

/** Stand-ins with the names and statusCode fields of the node's own error classes. */
function named(name: string, message: string, statusCode?: number): Error {
  const e = new Error(message) as Error & { statusCode?: number };
  e.name = name;
  if (statusCode !== undefined) e.statusCode = statusCode;
  return e;
}

describe('toHttpError', () => {
  it('keeps an AppError with a status as it is', () => {
    const e = appError('CHANNEL_EXISTS', { peerId: 'bob', chain: 'evm', channelId: '0x1' });
    expect(toHttpError(e)).toBe(e);
    expect(toHttpError(new NotFoundError('Peer not found: x'))).toMatchObject({ httpStatus: 404, httpError: 'NotFound' });
  });

  it('gives a coded error without a status 400 (exit 2) or 500 with its message (exit 1)', () => {
    expect(toHttpError(appError('CONFIG_INVALID', { details: 'x' }))).toMatchObject({ httpStatus: 400, code: 'CONFIG_INVALID', message: 'Invalid configuration: x' });
    expect(toHttpError(appError('LEDGER_IN_USE', { dataDir: '/d' }))).toMatchObject({ httpStatus: 500, code: 'LEDGER_IN_USE' });
  });

  it.each([
    ['PeerNotFoundError', 404, 'PEER_NOT_FOUND', 'NotFound'],
    ['InvalidArgumentError', 400, 'INVALID_ARGUMENT', 'BadRequest'],
    ['ConnectorNotStartedError', 503, 'NODE_NOT_STARTED', 'NotReady'],
    ['NotFoundError', 404, 'NOT_FOUND', 'NotFound'],
  ])("maps the node's %s to %i %s keeping the message", (name, status, code, error) => {
    expect(toHttpError(named(name, 'what happened', status === 503 ? undefined : status))).toMatchObject({
      httpStatus: status,
      code,
      httpError: error,
      message: 'what happened',
    });
  });

  it('passes on a client statusCode carried by any error', () => {
    expect(toHttpError(named('Error', 'gone', 404))).toMatchObject({ httpStatus: 404, code: 'NOT_FOUND', message: 'gone' });
    expect(toHttpError(named('Error', 'slow down', 429))).toMatchObject({ httpStatus: 429, httpError: 'TooManyRequests', message: 'slow down' });
    expect(toHttpError(named('Error', 'busy', 503))).toMatchObject({ httpStatus: 503, code: 'NOT_READY' });
  });

  it('maps a zod error to 400 naming the path', () => {
    const z = Object.assign(named('ZodError', 'x'), { issues: [{ path: ['routes', 0, 'prefix'], message: 'Invalid string' }] });
    expect(toHttpError(z)).toMatchObject({ httpStatus: 400, message: 'Invalid routes[0].prefix: Invalid string', details: { field: 'routes[0].prefix' } });
  });

  it('hides anything else behind a generic 500', () => {
    for (const e of [new Error('secret path /root/x'), named('Error', 'boom', 500), 'a string', null]) {
      const out = toHttpError(e);
      expect(out).toBeInstanceOf(AppError);
      expect([out.httpStatus, out.code]).toEqual([500, 'INTERNAL']);
      expect(out.message).not.toMatch(/secret|boom/);
    }
  });
});
