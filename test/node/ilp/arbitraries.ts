/**
 * fast-check arbitraries for valid ILP packets, ILDCP responses and BTP frames, shaped so the
 * ecosystem libraries (ilp-packet 3, btp-packet 2, ilp-protocol-ildcp 2) can encode them too.
 */
import fc from 'fast-check';
import type { BtpFrame, IlpFulfill, IlpPrepare, IlpReject, IldcpResponse, ProtocolData } from '../../../src/codec.js';

export const SCHEMES = ['g', 'private', 'example', 'peer', 'self', 'test', 'test1', 'test2', 'test3', 'local'] as const;

const segment = fc.stringMatching(/^[a-zA-Z0-9_~-]{1,24}$/);

/** Valid ILP addresses: mostly short, sometimes close to the 1023-byte limit. */
export const address: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: fc.tuple(fc.constantFrom(...SCHEMES), fc.array(segment, { minLength: 1, maxLength: 6 })).map(([s, segs]) => `${s}.${segs.join('.')}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...SCHEMES), fc.integer({ min: 1, max: 1015 }), fc.constantFrom('a', 'Z', '9', '_', '~', '-'))
      .map(([s, n, c]) => `${s}.${c.repeat(Math.min(n, 1022 - s.length))}`),
  },
);

/** Buffers of 0..300 bytes, sometimes up to the 32767-byte limit (filled, to keep runs fast). */
export const data: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 9, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 32767 }), fc.integer({ min: 0, max: 255 })).map(([n, v]) => Buffer.alloc(n, v)) },
);

export const bytes32: fc.Arbitrary<Buffer> = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));

export const uint64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 64n - 1n),
);

/**
 * Instants in years 1000..9999: ilp-packet writes the year unpadded, so it needs four digits.
 * The epoch itself is left out: ilp-packet's `interledgerTimeToDate` takes time 0 for an invalid
 * date (`if (!date.valueOf())`); ours reads it fine (see time.test.ts).
 */
export const date: fc.Arbitrary<Date> = fc
  .integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) })
  .filter((ms) => ms !== 0)
  .map((ms) => new Date(ms));

/** IA5 (7-bit) strings. */
export const ia5 = (constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> =>
  fc.string({ ...constraints, unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) });

export const prepare: fc.Arbitrary<IlpPrepare> = fc.record({
  amount: uint64,
  expiresAt: date,
  executionCondition: bytes32,
  destination: address,
  data,
});

export const fulfill: fc.Arbitrary<IlpFulfill> = fc.record({ fulfillment: bytes32, data });

/** Any Unicode text of at most 8191 UTF-8 bytes. */
const message = fc
  .string({ unit: 'binary', maxLength: 2100 })
  .filter((s) => Buffer.byteLength(s, 'utf8') <= 8191);

export const reject: fc.Arbitrary<IlpReject> = fc.record({
  code: ia5({ minLength: 3, maxLength: 3 }),
  triggeredBy: fc.oneof({ weight: 9, arbitrary: address }, { weight: 1, arbitrary: fc.constant('') }),
  message,
  data,
});

export const ildcpResponse: fc.Arbitrary<IldcpResponse> = fc.record({
  clientAddress: address,
  assetScale: fc.integer({ min: 0, max: 255 }),
  assetCode: fc.string({ unit: 'binary', maxLength: 40 }),
});

export const protocolData: fc.Arbitrary<ProtocolData[]> = fc.array(
  fc.record({
    protocolName: fc.oneof(fc.constantFrom('ilp', 'auth', 'auth_token', 'payment-channel-claim'), ia5({ maxLength: 40 })),
    contentType: fc.integer({ min: 0, max: 255 }),
    data: fc.oneof(
      { weight: 9, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
      { weight: 1, arbitrary: fc.integer({ min: 128, max: 70_000 }).map((n) => Buffer.alloc(n, 0x5a)) },
    ),
  }),
  { maxLength: 5 },
);

const requestId = fc.integer({ min: 0, max: 0xffff_ffff });

/** Instants with a 4-digit year and a millisecond part, as BTP errors carry them. */
const btpDate = date;

/**
 * BTP frames of the four current types. Error data is UTF-8 text because btp-packet carries it
 * as a string.
 */
export const btpFrame: fc.Arbitrary<BtpFrame> = fc.oneof(
  fc.record({ type: fc.constantFrom(6 as const, 1 as const), requestId, protocolData }),
  fc.record({ type: fc.constant(7 as const), requestId, amount: uint64, protocolData }),
  fc.record({
    type: fc.constant(2 as const),
    requestId,
    code: ia5({ minLength: 3, maxLength: 3 }),
    name: ia5({ maxLength: 60 }),
    triggeredAt: btpDate,
    data: fc
      .string({ unit: 'binary', maxLength: 2000 })
      .map((s) => Buffer.from(s, 'utf8'))
      .filter((b) => b.length <= 8192),
    protocolData,
  }),
);

/** The legacy frame types (3, 4, 5), which only our codec handles. */
export const legacyBtpFrame: fc.Arbitrary<BtpFrame> = fc.oneof(
  fc.record({
    type: fc.constant(3 as const),
    requestId,
    transferId: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)),
    amount: uint64,
    executionCondition: bytes32,
    expiresAt: btpDate,
    protocolData,
  }),
  fc.record({
    type: fc.constant(4 as const),
    requestId,
    transferId: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)),
    fulfillment: bytes32,
    protocolData,
  }),
  fc.record({
    type: fc.constant(5 as const),
    requestId,
    transferId: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)),
    protocolData,
  }),
);
