import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BtpType,
  ContentType,
  decodeBtp,
  encodeAuthMessage,
  encodeBtp,
  encodeBtpIlp,
  getIlpData,
  readAuth,
  type BtpFrame,
  type ProtocolData,
} from '../../../src/node/btp/codec.js';
import { CodecError } from '../../../src/node/ilp/errors.js';
import * as arb from '../ilp/arbitraries.js';
import { btpVectors, toBtpFrame } from '../ilp/fixtures.js';
import { normalize } from '../ilp/normalize.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return (err as CodecError).reason;
  }
  throw new Error('expected a CodecError');
}

describe('BTP fixed vectors', () => {
  it('covers every frame type', () => {
    expect(new Set(btpVectors.valid.map((v) => v.frame.type))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    expect(btpVectors.invalid.length).toBeGreaterThanOrEqual(8);
  });

  for (const v of btpVectors.valid) {
    it(`decodes then encodes: ${v.name}`, () => {
      const expected = toBtpFrame(v.frame);
      const decoded = decodeBtp(hex(v.hex));
      expect(normalize(decoded)).toEqual(normalize(expected));
      expect(encodeBtp(expected).toString('hex')).toBe(v.hex);
      expect(encodeBtp(decoded).toString('hex')).toBe(v.hex);
    });
  }

  for (const v of btpVectors.invalid) {
    it(`rejects: ${v.name}`, () => {
      expect(v.decoder).toBe('decodeBtp');
      expect(reasonOf(() => decodeBtp(hex(v.hex)))).toBe(v.reason);
    });
  }
});

describe('BTP round trips', () => {
  it('decode(encode(f)) = f and encode(decode(b)) = b for every frame type', () => {
    fc.assert(
      fc.property(fc.oneof(arb.btpFrame, arb.legacyBtpFrame), (f) => {
        const b = encodeBtp(f);
        const d = decodeBtp(b);
        expect(normalize(d)).toEqual(normalize(f));
        expect(encodeBtp(d).equals(b)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodeBtpIlp writes what encodeBtp writes for a lone `ilp` entry', () => {
    fc.assert(
      fc.property(fc.constantFrom(6 as const, 1 as const), fc.integer({ min: 0, max: 0xffff_ffff }), arb.data, (type, requestId, ilp) => {
        const fast = encodeBtpIlp(type, requestId, ilp);
        const generic = encodeBtp({ type, requestId, protocolData: [{ protocolName: 'ilp', contentType: ContentType.OctetStream, data: ilp }] });
        expect(fast.equals(generic)).toBe(true);
        const f = decodeBtp(fast);
        expect(getIlpData(f)?.equals(ilp)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('BTP helpers', () => {
  it('getIlpData finds the first `ilp` entry, wherever it is', () => {
    const f: BtpFrame = {
      type: BtpType.Message,
      requestId: 1,
      protocolData: [
        { protocolName: 'other', contentType: 0, data: Buffer.from('x') },
        { protocolName: 'ilp', contentType: 0, data: Buffer.from('first') },
        { protocolName: 'ilp', contentType: 0, data: Buffer.from('second') },
      ],
    };
    expect(getIlpData(decodeBtp(encodeBtp(f)))?.toString()).toBe('first');
    expect(getIlpData({ type: BtpType.Response, requestId: 1, protocolData: [] })).toBeUndefined();
  });

  it('auth message: encode, decode, read back', () => {
    const b = encodeAuthMessage(1, 'alice', 's3cret');
    // Same bytes as the btp-packet auth vector.
    const vector = btpVectors.valid.find((v) => v.name.startsWith('MESSAGE: auth'))!;
    expect(b.toString('hex')).toBe(vector.hex);
    const f = decodeBtp(b);
    expect(f.protocolData.map((p) => [p.protocolName, p.contentType])).toEqual([
      ['auth', 0],
      ['auth_username', 1],
      ['auth_token', 1],
    ]);
    expect(readAuth(f)).toEqual({ username: 'alice', token: 's3cret' });
    expect(readAuth(decodeBtp(encodeAuthMessage(7, 'bøb', '')))).toEqual({ username: 'bøb', token: '' });
  });

  it('readAuth refuses what is not an auth message', () => {
    const auth = { protocolName: 'auth', contentType: 0, data: Buffer.alloc(0) };
    const token = { protocolName: 'auth_token', contentType: 1, data: Buffer.from('t') };
    const user = { protocolName: 'auth_username', contentType: 1, data: Buffer.from('u') };
    expect(readAuth({ type: BtpType.Message, requestId: 1, protocolData: [auth, token] })).toEqual({ username: '', token: 't' });
    expect(readAuth({ type: BtpType.Message, requestId: 1, protocolData: [auth, user] })).toBeUndefined();
    expect(readAuth({ type: BtpType.Message, requestId: 1, protocolData: [token, auth] })).toBeUndefined();
    expect(readAuth({ type: BtpType.Response, requestId: 1, protocolData: [auth, token] })).toBeUndefined();
    expect(readAuth({ type: BtpType.Message, requestId: 1, protocolData: [] })).toBeUndefined();
  });

  it('refuses frames it cannot encode, naming the field', () => {
    const msg = { type: BtpType.Message, requestId: 1, protocolData: [] } as const;
    const err = {
      type: BtpType.Error,
      requestId: 1,
      code: 'F00',
      name: 'NotAcceptedError',
      triggeredAt: new Date(),
      data: Buffer.alloc(0),
      protocolData: [] as ProtocolData[],
    } as const;
    const cases: [unknown, string][] = [
      [{ ...msg, requestId: -1 }, 'btp.requestId: not a UInt32'],
      [{ ...msg, requestId: 2 ** 32 }, 'btp.requestId: not a UInt32'],
      [{ ...msg, requestId: 1.5 }, 'btp.requestId: not a UInt32'],
      [{ ...msg, type: 9 }, 'btp.type: unknown type 9'],
      [{ ...msg, protocolData: 'x' }, 'btp.protocolData: not an array'],
      [{ ...msg, protocolData: [{ protocolName: 'ïlp', contentType: 0, data: Buffer.alloc(0) }] }, 'btp.protocolData.protocolName: not an IA5 string'],
      [{ ...msg, protocolData: [{ protocolName: 'ilp', contentType: 256, data: Buffer.alloc(0) }] }, 'btp.protocolData.contentType: not a UInt8'],
      [{ ...msg, protocolData: [{ protocolName: 'ilp', contentType: 0, data: 'x' }] }, 'btp.protocolData.data: not a Buffer'],
      [{ type: 7, requestId: 1, amount: -1n, protocolData: [] }, 'btp.transfer.amount: not a UInt64'],
      [{ ...err, code: 'F0' }, 'btp.error.code: not 3 IA5 characters'],
      [{ ...err, name: 'Ñame' }, 'btp.error.name: not an IA5 string'],
      [{ ...err, triggeredAt: new Date(Number.NaN) }, 'btp.error.triggeredAt: not a Date in years 0000..9999'],
      [{ ...err, data: Buffer.alloc(8193) }, 'btp.error.data: 8193 bytes exceeds the maximum of 8192'],
      [{ type: 3, requestId: 1, transferId: Buffer.alloc(15), amount: 0n, executionCondition: Buffer.alloc(32), expiresAt: new Date(), protocolData: [] }, 'btp.prepare.transferId: not 16 bytes'],
      [{ type: 4, requestId: 1, transferId: Buffer.alloc(16), fulfillment: Buffer.alloc(31), protocolData: [] }, 'btp.fulfill.fulfillment: not 32 bytes'],
    ];
    for (const [frame, reason] of cases) expect(reasonOf(() => encodeBtp(frame as BtpFrame)), reason).toBe(reason);
    expect(reasonOf(() => encodeBtpIlp(2 as 6, 1, Buffer.alloc(0)))).toBe('btp.type: 2 cannot carry ilp');
    // 8192 bytes of error data is the limit, both ways.
    const max = encodeBtp({ ...err, data: Buffer.alloc(8192, 1) });
    expect((decodeBtp(max) as { data: Buffer }).data.length).toBe(8192);
  });

  it('refuses oversized error data on the wire', () => {
    const b = encodeBtp({
      type: BtpType.Error,
      requestId: 1,
      code: 'F00',
      name: 'x',
      triggeredAt: new Date(0),
      data: Buffer.alloc(8192),
      protocolData: [],
    });
    // Rewrite the data length 8192 (82 20 00) to 8193 and add a byte, fixing the body length.
    const at = b.indexOf(Buffer.from([0x82, 0x20, 0x00]), 8);
    const body = Buffer.concat([b.subarray(8, at), Buffer.from([0x82, 0x20, 0x01]), Buffer.alloc(8193), Buffer.from([1, 0])]);
    const frame = Buffer.concat([b.subarray(0, 5), Buffer.from([0x82, body.length >> 8, body.length & 0xff]), body]);
    expect(reasonOf(() => decodeBtp(frame))).toBe('btp.error.data: 8193 bytes exceeds the maximum of 8192');
  });
});
