import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as codec from '../../../src/node/ilp/packet.js';
import {
  deserializeFulfill,
  deserializeIlpPacket,
  deserializePrepare,
  deserializeReject,
  patchPrepare,
  peekPacketType,
  readPrepareView,
  serializeFulfill,
  serializeIlpPacket,
  serializePrepare,
  serializeReject,
  type IlpPrepare,
} from '../../../src/node/ilp/packet.js';
import { CodecError } from '../../../src/node/ilp/errors.js';
import * as arb from './arbitraries.js';
import { ilpVectors, toIlpPacket } from './fixtures.js';
import { normalize } from './normalize.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** Runs `fn` and returns the CodecError it throws (failing the test on anything else). */
function codecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return err as CodecError;
  }
  throw new Error('expected a CodecError, nothing was thrown');
}

const base: IlpPrepare = {
  amount: 107n,
  expiresAt: new Date('2017-12-23T01:21:40.549Z'),
  executionCondition: Buffer.from('dOETbcccnl8oO+yDRhy/EmHEAU9y1I+N1lRToLhOfeE=', 'base64'),
  destination: 'example.alice',
  data: Buffer.alloc(32, 7),
};

describe('ILP fixed vectors', () => {
  it('has the required vectors', () => {
    const names = ilpVectors.valid.map((v) => v.name).join('\n');
    expect(names).toContain('cross-check vector');
    expect(ilpVectors.valid.filter((v) => v.packet.type === 'fulfill').length).toBeGreaterThanOrEqual(2);
    expect(ilpVectors.valid.filter((v) => v.packet.type === 'reject').length).toBeGreaterThanOrEqual(2);
    expect(ilpVectors.invalid.length).toBeGreaterThanOrEqual(10);
  });

  for (const v of ilpVectors.valid) {
    it(`decodes then encodes: ${v.name}`, () => {
      const expected = toIlpPacket(v.packet);
      const decoded = deserializeIlpPacket(hex(v.hex));
      expect(normalize(decoded)).toEqual(normalize(expected));
      expect(serializeIlpPacket(expected).toString('hex')).toBe(v.hex);
      expect(serializeIlpPacket(decoded).toString('hex')).toBe(v.hex);
      expect(peekPacketType(hex(v.hex))).toBe(expected.type);
    });
  }

  for (const v of ilpVectors.invalid) {
    it(`rejects: ${v.name}`, () => {
      const decode = (codec as unknown as Record<string, (b: Buffer) => unknown>)[v.decoder];
      expect(decode).toBeTypeOf('function');
      expect(codecError(() => decode(hex(v.hex))).reason).toBe(v.reason);
    });
  }
});

describe('Prepare', () => {
  it('encodes the RFC limits and refuses one byte more', () => {
    const data32767 = Buffer.alloc(32767, 1);
    const ok = serializePrepare({ ...base, data: data32767 });
    expect(deserializePrepare(ok).data.equals(data32767)).toBe(true);
    expect(codecError(() => serializePrepare({ ...base, data: Buffer.alloc(32768) })).reason).toBe(
      'prepare.data: 32768 bytes exceeds the maximum of 32767',
    );
    // The same oversized data on the wire, with a correct envelope.
    const big = Buffer.alloc(32768, 2);
    const content = Buffer.concat([ok.subarray(4, 4 + 8 + 17 + 32 + 14), Buffer.from([0x82, 0x80, 0x00]), big]);
    expect(content.length).toBeGreaterThan(0xff);
    const wire = Buffer.concat([Buffer.from([12, 0x82, content.length >> 8, content.length & 0xff]), content]);
    expect(codecError(() => deserializePrepare(wire)).reason).toBe('prepare.data: 32768 bytes exceeds the maximum of 32767');
    expect(codecError(() => readPrepareView(wire)).reason).toBe('prepare.data: 32768 bytes exceeds the maximum of 32767');

    const dest1023 = `g.${'a'.repeat(1021)}`;
    expect(deserializePrepare(serializePrepare({ ...base, destination: dest1023 })).destination).toBe(dest1023);
    expect(codecError(() => serializePrepare({ ...base, destination: `${dest1023}a` })).reason).toBe(
      'prepare.destination: invalid ILP address',
    );
  });

  it('refuses fields it cannot encode, naming them', () => {
    const cases: [Partial<Record<keyof IlpPrepare, unknown>>, string][] = [
      [{ amount: -1n }, 'prepare.amount: not a UInt64'],
      [{ amount: 2n ** 64n }, 'prepare.amount: not a UInt64'],
      [{ amount: 5 }, 'prepare.amount: not a UInt64'],
      [{ expiresAt: new Date(Number.NaN) }, 'prepare.expiresAt: time out of range'],
      [{ expiresAt: new Date('+010000-01-01T00:00:00Z') }, 'prepare.expiresAt: time out of range'],
      [{ expiresAt: '2020-01-01' }, 'prepare.expiresAt: not a Date'],
      [{ executionCondition: Buffer.alloc(31) }, 'prepare.executionCondition: not 32 bytes'],
      [{ destination: 'g' }, 'prepare.destination: invalid ILP address'],
      [{ data: 'text' }, 'prepare.data: not a Buffer'],
    ];
    for (const [patch, reason] of cases) {
      expect(codecError(() => serializePrepare({ ...base, ...patch } as IlpPrepare)).reason).toBe(reason);
    }
  });

  it('encodes years 0000..9999 and decodes them back, including years below 100', () => {
    for (const iso of ['0000-01-01T00:00:00.000Z', '0099-02-28T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '2000-02-29T12:00:00.001Z', '9999-12-31T23:59:59.999Z']) {
      const expiresAt = new Date(iso);
      const b = serializePrepare({ ...base, expiresAt });
      const digits = iso.replace(/[-T:.Z]/g, '');
      expect(b.subarray(10, 27).toString('latin1')).toBe(digits);
      expect(deserializePrepare(b).expiresAt.toISOString()).toBe(iso);
    }
  });

  it('readPrepareView agrees with deserializePrepare and locates amount, expiry and data', () => {
    for (const v of ilpVectors.valid.filter((x) => x.packet.type === 'prepare')) {
      const b = hex(v.hex);
      const p = deserializePrepare(b);
      const view = readPrepareView(b);
      expect(view.amount).toBe(p.amount);
      expect(view.expiresAtMs).toBe(p.expiresAt.getTime());
      expect(view.expiresAt.getTime()).toBe(p.expiresAt.getTime());
      expect(view.executionCondition.equals(p.executionCondition)).toBe(true);
      expect(view.destination).toBe(p.destination);
      expect(view.dataLength).toBe(p.data.length);
      expect(b.subarray(view.dataOffset, view.dataOffset + view.dataLength).equals(p.data)).toBe(true);
      expect(b.readBigUInt64BE(view.amountOffset)).toBe(p.amount);
      expect(view.expiresAtOffset).toBe(view.amountOffset + 8);
      // The condition is a view, not a copy.
      expect(view.executionCondition.buffer).toBe(b.buffer);
    }
  });

  it('patchPrepare rewrites only amount and expiry, in place', () => {
    fc.assert(
      fc.property(arb.prepare, arb.uint64, arb.date, (p, amount, expiresAt) => {
        const b = serializePrepare(p);
        patchPrepare(b, amount, expiresAt.getTime());
        expect(b.equals(serializePrepare({ ...p, amount, expiresAt }))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('patchPrepare writes nothing when an argument is invalid', () => {
    const b = serializePrepare(base);
    const before = Buffer.from(b);
    expect(codecError(() => patchPrepare(b, 2n ** 64n, Date.now())).reason).toBe('prepare.amount: not a UInt64');
    expect(codecError(() => patchPrepare(b, 1n, Number.NaN)).reason).toBe('prepare.expiresAt: time out of range');
    expect(codecError(() => patchPrepare(b, 1n, 1.5)).reason).toBe('prepare.expiresAt: time out of range');
    expect(codecError(() => patchPrepare(serializeFulfill({ fulfillment: Buffer.alloc(32), data: Buffer.alloc(0) }), 1n, 0)).reason).toBe(
      'prepare: not a Prepare',
    );
    expect(codecError(() => patchPrepare(b.subarray(0, 20), 1n, 0)).reason).toBe('prepare: truncated');
    expect(b.equals(before)).toBe(true);
  });

  it('decodes a different destination of the same length after a cached one', () => {
    const a = serializePrepare({ ...base, destination: 'g.alice' });
    const b = serializePrepare({ ...base, destination: 'g.bobby' });
    const bad = Buffer.from(b);
    bad[bad.indexOf('g.bobby') + 3] = 0x21; // g.b!bby
    for (let i = 0; i < 3; i++) {
      expect(deserializePrepare(a).destination).toBe('g.alice');
      expect(readPrepareView(b).destination).toBe('g.bobby');
      expect(codecError(() => deserializePrepare(bad)).reason).toBe('prepare.destination: invalid ILP address');
    }
  });
});

describe('Fulfill and Reject', () => {
  it('refuses invalid fields, naming them', () => {
    const r = { code: 'F02', triggeredBy: 'g.me', message: 'no route', data: Buffer.alloc(0) };
    expect(codecError(() => serializeFulfill({ fulfillment: Buffer.alloc(33), data: Buffer.alloc(0) })).reason).toBe('fulfill.fulfillment: not 32 bytes');
    expect(codecError(() => serializeFulfill({ fulfillment: Buffer.alloc(32), data: Buffer.alloc(32768) })).reason).toBe(
      'fulfill.data: 32768 bytes exceeds the maximum of 32767',
    );
    expect(codecError(() => serializeReject({ ...r, code: 'F2' })).reason).toBe('reject.code: not 3 IA5 characters');
    expect(codecError(() => serializeReject({ ...r, code: 'F0é' })).reason).toBe('reject.code: not 3 IA5 characters');
    expect(codecError(() => serializeReject({ ...r, triggeredBy: 'nope' })).reason).toBe('reject.triggeredBy: invalid ILP address');
    expect(codecError(() => serializeReject({ ...r, message: 'é'.repeat(4096) })).reason).toBe(
      'reject.message: 8192 bytes exceeds the maximum of 8191',
    );
    const max = serializeReject({ ...r, message: `${'é'.repeat(4095)}x` });
    expect(deserializeReject(max).message).toBe(`${'é'.repeat(4095)}x`);
  });

  it('accepts an empty triggeredBy both ways (a received Reject re-encodes unchanged)', () => {
    const b = serializeReject({ code: 'T00', triggeredBy: '', message: '', data: Buffer.alloc(0) });
    expect(b.toString('hex')).toBe('0e06543030000000');
    expect(deserializeReject(b).triggeredBy).toBe('');
  });

  it('returns views into the input for fulfillment and data', () => {
    const b = serializeFulfill({ fulfillment: Buffer.alloc(32, 9), data: Buffer.from('abc') });
    const f = deserializeFulfill(b);
    expect(f.fulfillment.buffer).toBe(b.buffer);
    expect(f.data.toString()).toBe('abc');
  });
});

describe('round trips of random packets', () => {
  const packet = fc.oneof(
    arb.prepare.map((prepare) => ({ type: 12 as const, prepare })),
    arb.fulfill.map((fulfill) => ({ type: 13 as const, fulfill })),
    arb.reject.map((reject) => ({ type: 14 as const, reject })),
  );

  it('decode(encode(p)) = p and encode(decode(b)) = b', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const b = serializeIlpPacket(p);
        const d = deserializeIlpPacket(b);
        expect(normalize(d)).toEqual(normalize(p));
        expect(serializeIlpPacket(d).equals(b)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('unknown types are CodecErrors both ways', () => {
    expect(codecError(() => serializeIlpPacket({ type: 99 } as never)).reason).toBe('packet.type: unknown type 99');
    expect(peekPacketType(Buffer.alloc(0))).toBeUndefined();
    expect(codecError(() => deserializeIlpPacket('0c00' as never)).reason).toBe('packet: not a Buffer');
  });
});
