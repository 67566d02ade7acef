import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, ConnectorNotStartedError, InvalidArgumentError, NotFoundError, PeerNotFoundError, appError } from '../../../src/errors/index.js';
import { toHttpError } from '../../../src/node/http/server-common.js';

/** A plain Error with a name and maybe a statusCode (what a foreign library throws). */
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
    [new PeerNotFoundError('bob'), 404, 'PEER_NOT_FOUND', 'NotFound', 'Peer not found: bob'],
    [new InvalidArgumentError('what happened'), 400, 'INVALID_ARGUMENT', 'BadRequest', 'what happened'],
    [new ConnectorNotStartedError('sendPacket'), 503, 'NODE_NOT_STARTED', 'NotReady', 'sendPacket() needs a started node: await node.start() first'],
    [new NotFoundError('what happened'), 404, 'NOT_FOUND', 'NotFound', 'what happened'],
  ] as const)("answers the node's %s by its catalogue code", (err, status, code, error, message) => {
    expect(toHttpError(err)).toMatchObject({ httpStatus: status, code, httpError: error, message });
  });

  it('maps no error by its class name: a stand-in named like a node error is a generic 500', () => {
    for (const name of ['PeerNotFoundError', 'InvalidArgumentError', 'ConnectorNotStartedError', 'NotFoundError']) {
      expect(toHttpError(named(name, 'what happened'))).toMatchObject({ httpStatus: 500, code: 'INTERNAL' });
    }
  });

  it('passes on a client statusCode carried by any error', () => {
    expect(toHttpError(named('Error', 'gone', 404))).toMatchObject({ httpStatus: 404, code: 'NOT_FOUND', message: 'gone' });
    expect(toHttpError(named('Error', 'slow down', 429))).toMatchObject({ httpStatus: 429, httpError: 'TooManyRequests', message: 'slow down' });
    expect(toHttpError(named('Error', 'busy', 503))).toMatchObject({ httpStatus: 503, code: 'NOT_READY' });
  });

  it('maps a zod error to 400 naming the path', () => {
    const r = z.object({ routes: z.array(z.object({ prefix: z.string() })) }).safeParse({ routes: [{ prefix: 1 }] });
    expect(r.success).toBe(false);
    expect(toHttpError(r.error)).toMatchObject({ httpStatus: 400, message: expect.stringMatching(/^Invalid routes\[0\]\.prefix: /) as string, details: { field: 'routes[0].prefix' } });
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
