/**
 * Cross-check against btp-packet 2 on thousands of random MESSAGE, RESPONSE, ERROR and TRANSFER
 * frames, both directions. (btp-packet 2 dropped the legacy types 3-5, so those are checked
 * against the fixed vectors assembled from the RFC's ASN.1 instead.)
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import BtpPacket from 'btp-packet';
import { decodeBtp, encodeBtp, encodeBtpIlp, type BtpFrame, type ProtocolData } from '../../../src/node/btp/codec.js';
import * as arb from '../ilp/arbitraries.js';
import { normalize } from '../ilp/normalize.js';

const RUNS = 2500;

/** btp-packet's shape of our frame. */
function toTheirs(f: BtpFrame): unknown {
  switch (f.type) {
    case 1:
    case 6:
      return { type: f.type, requestId: f.requestId, data: { protocolData: f.protocolData } };
    case 7:
      return { type: 7, requestId: f.requestId, data: { amount: f.amount.toString(), protocolData: f.protocolData } };
    case 2:
      return {
        type: 2,
        requestId: f.requestId,
        data: { code: f.code, name: f.name, triggeredAt: f.triggeredAt, data: f.data.toString('utf8'), protocolData: f.protocolData },
      };
    default:
      throw new Error(`btp-packet 2 cannot encode type ${f.type}`);
  }
}

/** Our shape of a frame btp-packet decoded. */
function fromTheirs(frame: ReturnType<typeof BtpPacket.deserialize>): unknown {
  const t = frame as unknown as { type: number; requestId: number; data: Record<string, unknown> };
  const protocolData = (t.data.protocolData as ProtocolData[]).map((p) => ({ protocolName: p.protocolName, contentType: p.contentType, data: p.data }));
  switch (t.type) {
    case 7:
      return { type: 7, requestId: t.requestId, amount: BigInt(t.data.amount as string), protocolData };
    case 2:
      return {
        type: 2,
        requestId: t.requestId,
        code: t.data.code,
        name: t.data.name,
        triggeredAt: t.data.triggeredAt,
        data: Buffer.from(t.data.data as string, 'utf8'),
        protocolData,
      };
    default:
      return { type: t.type, requestId: t.requestId, protocolData };
  }
}

describe('BTP frames against btp-packet 2', () => {
  it('ours encodes, btp-packet decodes the same frame and encodes the same bytes', () => {
    fc.assert(
      fc.property(arb.btpFrame, (f) => {
        const ours = encodeBtp(f);
        expect(normalize(fromTheirs(BtpPacket.deserialize(ours)))).toEqual(normalize(f));
        expect(BtpPacket.serialize(toTheirs(f) as never).equals(ours)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('btp-packet encodes, ours decodes the same frame', () => {
    fc.assert(
      fc.property(arb.btpFrame, (f) => {
        const theirs = BtpPacket.serialize(toTheirs(f) as never);
        expect(normalize(decodeBtp(theirs))).toEqual(normalize(f));
      }),
      { numRuns: RUNS },
    );
  });

  it('the ilp fast path matches btp-packet’s message', () => {
    fc.assert(
      fc.property(fc.constantFrom(6 as const, 1 as const), fc.integer({ min: 0, max: 0xffff_ffff }), arb.data, (type, requestId, ilp) => {
        const theirs = BtpPacket.serialize({ type, requestId, data: { protocolData: [{ protocolName: 'ilp', contentType: 0, data: ilp }] } });
        expect(encodeBtpIlp(type, requestId, ilp).equals(theirs)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
