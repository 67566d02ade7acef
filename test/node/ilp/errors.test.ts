import { describe, expect, it } from 'vitest';
import * as errors from '../../../src/node/ilp/errors.js';
import {
  AmountTooLargeError,
  CodecError,
  IlpError,
  ILP_ERROR_NAMES,
  InsufficientLiquidityError,
  decodeAmountTooLargeData,
  encodeAmountTooLargeData,
  isFinal,
  isKnownIlpErrorCode,
  isRelative,
  isTemporary,
  rejectToError,
  toReject,
} from '../../../src/node/ilp/errors.js';
import { deserializeReject, serializeReject } from '../../../src/node/ilp/packet.js';

/** Every class the brief names, with its code. */
const CLASSES: [string, string][] = [
  ['BadRequestError', 'F00'],
  ['InvalidPacketError', 'F01'],
  ['UnreachableError', 'F02'],
  ['InvalidAmountError', 'F03'],
  ['InsufficientDestinationAmountError', 'F04'],
  ['WrongConditionError', 'F05'],
  ['UnexpectedPaymentError', 'F06'],
  ['CannotReceiveError', 'F07'],
  ['AmountTooLargeError', 'F08'],
  ['ApplicationError', 'F99'],
  ['InternalError', 'T00'],
  ['PeerUnreachableError', 'T01'],
  ['PeerBusyError', 'T02'],
  ['ConnectorBusyError', 'T03'],
  ['InsufficientLiquidityError', 'T04'],
  ['RateLimitedError', 'T05'],
  ['TemporaryApplicationError', 'T99'],
  ['TransferTimedOutError', 'R00'],
  ['InsufficientSourceAmountError', 'R01'],
  ['InsufficientTimeoutError', 'R02'],
  ['RelativeApplicationError', 'R99'],
];

type ErrorClass = new (message?: string, data?: Buffer) => IlpError;

describe('ILP error classes', () => {
  it('has one class per RFC 0027 code, and a name for each code', () => {
    expect(Object.keys(ILP_ERROR_NAMES).sort()).toEqual(CLASSES.map(([, c]) => c).sort());
    for (const [name, code] of CLASSES) {
      const Cls = (errors as unknown as Record<string, ErrorClass>)[name];
      expect(Cls, name).toBeTypeOf('function');
      const err = new Cls('boom');
      expect(err).toBeInstanceOf(IlpError);
      expect(err).toBeInstanceOf(Error);
      expect(err.ilpErrorCode).toBe(code);
      expect(err.name).toBe(name);
      expect(err.message).toBe('boom');
      expect(new Cls().message.length).toBeGreaterThan(0);
      expect(rejectToError({ code, triggeredBy: 'g.x', message: 'm', data: Buffer.alloc(0) })).toBeInstanceOf(Cls);
    }
  });

  it('classifies codes as final, temporary or relative', () => {
    for (const code of Object.keys(ILP_ERROR_NAMES)) {
      expect([isFinal(code), isTemporary(code), isRelative(code)].filter(Boolean)).toHaveLength(1);
      expect(isKnownIlpErrorCode(code)).toBe(true);
    }
    expect(isFinal('F42')).toBe(true);
    expect(isTemporary('T42')).toBe(true);
    expect(isRelative('R42')).toBe(true);
    expect(isFinal('X00') || isTemporary('X00') || isRelative('X00')).toBe(false);
    expect(isKnownIlpErrorCode('F42')).toBe(false);
    expect(ILP_ERROR_NAMES.F02).toBe('Unreachable');
  });

  it('F08 carries receivedAmount and maximumAmount as two UInt64', () => {
    const err = new AmountTooLargeError('too much', { receivedAmount: 0x30201n, maximumAmount: 0x60504n });
    // The interledger-rs MaxPacketAmountDetails vector.
    expect(err.ilpErrorData?.toString('hex')).toBe('00000000000302010000000000060504');
    const back = rejectToError(deserializeReject(serializeReject(toReject(err, 'g.connector'))));
    expect(back).toBeInstanceOf(AmountTooLargeError);
    expect((back as AmountTooLargeError).receivedAmount).toBe(0x30201n);
    expect((back as AmountTooLargeError).maximumAmount).toBe(0x60504n);
    expect(decodeAmountTooLargeData(Buffer.alloc(15))).toBeUndefined();
    expect(new AmountTooLargeError('x', Buffer.from('zz')).receivedAmount).toBeUndefined();
    expect(() => encodeAmountTooLargeData({ receivedAmount: -1n, maximumAmount: 0n })).toThrow(CodecError);
    expect(() => encodeAmountTooLargeData({ receivedAmount: 0n, maximumAmount: 2n ** 64n })).toThrow(CodecError);
  });
});

describe('toReject', () => {
  it('keeps an IlpError’s code, message and data', () => {
    const data = Buffer.from('details');
    expect(toReject(new InsufficientLiquidityError('over the credit limit', data), 'g.node')).toEqual({
      code: 'T04',
      triggeredBy: 'g.node',
      message: 'over the credit limit',
      data,
    });
  });

  it('turns anything else into T00 Internal error without revealing it', () => {
    for (const thrown of [new Error('db password is hunter2'), new TypeError('x is undefined'), 'a string', undefined, null, 42, { ilpErrorCode: 'F02', message: 'duck' }]) {
      const r = toReject(thrown, 'g.node');
      expect(r).toEqual({ code: 'T00', triggeredBy: 'g.node', message: 'Internal error', data: Buffer.alloc(0) });
      expect(JSON.stringify(r)).not.toMatch(/hunter2|undefined|at /);
    }
  });

  it('maps a CodecError to F01 with its reason', () => {
    const r = toReject(new CodecError('prepare.destination: invalid ILP address'), 'g.node');
    expect(r.code).toBe('F01');
    expect(r.message).toBe('prepare.destination: invalid ILP address');
  });

  it('always yields a Reject that serializes', () => {
    const long = new IlpError('F99', 'é'.repeat(5000) + '😀'.repeat(10), Buffer.alloc(40_000));
    const r = toReject(long, 'g.node');
    expect(Buffer.byteLength(r.message)).toBeLessThanOrEqual(8191);
    expect(r.message.startsWith('é'.repeat(4095))).toBe(true);
    expect(r.message).not.toContain('\ufffd');
    expect(r.data.length).toBe(0);
    expect(() => serializeReject(r)).not.toThrow();
    // A code that is not 3 IA5 characters cannot go on the wire: T00 instead.
    expect(toReject(new IlpError('F1', 'bad code'), 'g.node').code).toBe('T00');
    expect(toReject(new IlpError('Fé0', 'bad code'), 'g.node').code).toBe('T00');
    // A code RFC 0027 does not list still goes through: receivers act on its first letter.
    expect(toReject(new IlpError('F42', 'custom'), 'g.node').code).toBe('F42');
  });
});
