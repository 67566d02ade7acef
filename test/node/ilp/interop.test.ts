/**
 * Cross-checks against the ecosystem's own codecs, ilp-packet 3 and ilp-protocol-ildcp 2, on
 * thousands of random packets in both directions: ours encodes, theirs decodes the same fields
 * (and encodes the same bytes); theirs encodes, ours decodes the same fields.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import IlpPacket from 'ilp-packet';
import Ildcp from 'ilp-protocol-ildcp';
import {
  deserializeFulfill,
  deserializeIlpPacket,
  deserializePrepare,
  deserializeReject,
  readPrepareView,
  serializeFulfill,
  serializePrepare,
  serializeReject,
} from '../../../src/node/ilp/packet.js';
import { deserializeIldcpResponse, isIldcpRequest, serializeIldcpRequest, serializeIldcpResponse } from '../../../src/node/ilp/ildcp.js';
import * as arb from './arbitraries.js';

const RUNS = 2500;

describe('ILP packets against ilp-packet 3', () => {
  it('Prepare: ours encodes, ilp-packet decodes the same fields and encodes the same bytes', () => {
    fc.assert(
      fc.property(arb.prepare, (p) => {
        const ours = serializePrepare(p);
        const theirs = IlpPacket.deserializeIlpPrepare(ours);
        expect(theirs.amount).toBe(p.amount.toString());
        expect(theirs.expiresAt.getTime()).toBe(p.expiresAt.getTime());
        expect(theirs.executionCondition.equals(p.executionCondition)).toBe(true);
        expect(theirs.destination).toBe(p.destination);
        expect(theirs.data.equals(p.data)).toBe(true);
        expect(IlpPacket.serializeIlpPrepare({ ...p, amount: p.amount.toString() }).equals(ours)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('Prepare: ilp-packet encodes, ours decodes the same fields (full decode and view)', () => {
    fc.assert(
      fc.property(arb.prepare, (p) => {
        const theirs = IlpPacket.serializeIlpPrepare({ ...p, amount: p.amount.toString() });
        const ours = deserializePrepare(theirs);
        expect(ours.amount).toBe(p.amount);
        expect(ours.expiresAt.getTime()).toBe(p.expiresAt.getTime());
        expect(ours.executionCondition.equals(p.executionCondition)).toBe(true);
        expect(ours.destination).toBe(p.destination);
        expect(ours.data.equals(p.data)).toBe(true);
        const view = readPrepareView(theirs);
        expect(view.amount).toBe(p.amount);
        expect(view.expiresAtMs).toBe(p.expiresAt.getTime());
        expect(view.destination).toBe(p.destination);
        expect(view.dataLength).toBe(p.data.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('Fulfill: both directions', () => {
    fc.assert(
      fc.property(arb.fulfill, (f) => {
        const ours = serializeFulfill(f);
        const theirs = IlpPacket.deserializeIlpFulfill(ours);
        expect(theirs.fulfillment.equals(f.fulfillment)).toBe(true);
        expect(theirs.data.equals(f.data)).toBe(true);
        const theirBytes = IlpPacket.serializeIlpFulfill(f);
        expect(theirBytes.equals(ours)).toBe(true);
        const back = deserializeFulfill(theirBytes);
        expect(back.fulfillment.equals(f.fulfillment)).toBe(true);
        expect(back.data.equals(f.data)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('Reject: both directions', () => {
    fc.assert(
      fc.property(arb.reject, (r) => {
        const ours = serializeReject(r);
        const theirs = IlpPacket.deserializeIlpReject(ours);
        expect({ code: theirs.code, triggeredBy: theirs.triggeredBy, message: theirs.message }).toEqual({
          code: r.code,
          triggeredBy: r.triggeredBy,
          message: r.message,
        });
        expect(theirs.data.equals(r.data)).toBe(true);
        const theirBytes = IlpPacket.serializeIlpReject(r);
        expect(theirBytes.equals(ours)).toBe(true);
        const back = deserializeReject(theirBytes);
        expect({ code: back.code, triggeredBy: back.triggeredBy, message: back.message }).toEqual({
          code: r.code,
          triggeredBy: r.triggeredBy,
          message: r.message,
        });
        expect(back.data.equals(r.data)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('any packet: ilp-packet’s generic encoder and our generic decoder agree on the type', () => {
    const packet = fc.oneof(
      arb.prepare.map((p) => ({ type: 12, data: { ...p, amount: p.amount.toString() } })),
      arb.fulfill.map((f) => ({ type: 13, data: f })),
      arb.reject.map((r) => ({ type: 14, data: r })),
    );
    fc.assert(
      fc.property(packet, (p) => {
        const b = IlpPacket.serializeIlpPacket(p);
        expect(deserializeIlpPacket(b).type).toBe(p.type);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('ILDCP against ilp-protocol-ildcp 2', () => {
  it('responses: both directions, same bytes', () => {
    fc.assert(
      fc.property(arb.ildcpResponse, (r) => {
        const ours = serializeIldcpResponse(r);
        expect(Ildcp.deserializeIldcpResponse(ours)).toEqual(r);
        const theirs = Ildcp.serializeIldcpResponse(r);
        expect(theirs.equals(ours)).toBe(true);
        expect(deserializeIldcpResponse(theirs)).toEqual(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('requests: same bytes, and each side accepts the other’s', () => {
    const future = fc.integer({ min: Date.now() + 60_000, max: Date.UTC(9999, 0, 1) }).map((ms) => new Date(ms));
    fc.assert(
      fc.property(future, (expiresAt) => {
        const ours = serializeIldcpRequest({ expiresAt });
        expect(ours.equals(Ildcp.serializeIldcpRequest({ expiresAt }))).toBe(true);
        expect(Ildcp.deserializeIldcpRequest(ours).expiresAt?.getTime()).toBe(expiresAt.getTime());
        expect(isIldcpRequest(readPrepareView(Ildcp.serializeIldcpRequest({ expiresAt })))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
