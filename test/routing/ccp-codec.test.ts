/**
 * The CCP codec against fixed vectors (made with ilp-protocol-ccp 1.2.3, what ilp-connector 23 uses)
 * and cross-checked against that package both ways: what we encode it decodes to the same message,
 * and what it encodes we decode to the same message, whole Prepares included.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CCP_CONDITION,
  CcpMode,
  deserializeCcpRouteControlPayload,
  deserializeCcpRouteUpdatePayload,
  isCcpRequest,
  serializeCcpResponse,
  serializeCcpRouteControlPayload,
  serializeCcpRouteControlRequest,
  serializeCcpRouteUpdatePayload,
  serializeCcpRouteUpdateRequest,
  type CcpRouteUpdate,
} from '../../src/node/ilp/ccp.js';
import { CodecError } from '../../src/node/ilp/errors.js';
import { deserializePrepare, deserializeFulfill } from '../../src/node/ilp/packet.js';

interface RefCcp {
  serializeCcpRouteControlRequestPayload(c: unknown): Buffer;
  deserializeCcpRouteControlRequestPayload(b: Buffer): Record<string, unknown>;
  serializeCcpRouteUpdateRequestPayload(u: unknown): Buffer;
  deserializeCcpRouteUpdateRequestPayload(b: Buffer): CcpRouteUpdate;
  serializeCcpRouteControlRequest(c: unknown): Buffer;
  deserializeCcpRouteControlRequest(b: Buffer): Record<string, unknown>;
  deserializeCcpRouteUpdateRequest(b: Buffer): CcpRouteUpdate;
  serializeCcpRouteUpdateRequest(u: unknown): Buffer;
  deserializeCcpResponse(b: Buffer): void;
  PEER_PROTOCOL_CONDITION: Buffer;
}
const ref = createRequire(import.meta.url)('ilp-protocol-ccp') as RefCcp;

const TABLE = '21e55f8e-abcb-4e97-9ab7-00cdee2d1d22';
const control = { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 52, features: ['foo', 'bar'] };
const CONTROL_HEX = '0121e55f8eabcb4e979ab700cdee2d1d2200000034010203666f6f03626172';
const update: CcpRouteUpdate = {
  routingTableId: TABLE,
  currentEpochIndex: 52,
  fromEpochIndex: 52,
  toEpochIndex: 52,
  holdDownTime: 45000,
  speaker: 'g.ilpc',
  newRoutes: [{ prefix: 'g.a', path: ['g.ilpc', 'g.a'], auth: Buffer.alloc(32, 1), props: [] }],
  withdrawnRoutes: ['g.b'],
};
const UPDATE_HEX =
  '21e55f8eabcb4e979ab700cdee2d1d22' + '00000034' + '00000034' + '00000034' + '0000afc8' + '06672e696c7063' +
  '01' + '0103672e61' + '010206672e696c706303672e61' + '01'.repeat(32) + '0100' +
  '0101' + '03672e62';

describe('CCP codec', () => {
  it('encodes and decodes the route control vector', () => {
    expect(serializeCcpRouteControlPayload(control).toString('hex')).toBe(CONTROL_HEX);
    expect(deserializeCcpRouteControlPayload(Buffer.from(CONTROL_HEX, 'hex'))).toEqual(control);
  });

  it('encodes and decodes the route update vector', () => {
    expect(serializeCcpRouteUpdatePayload(update).toString('hex')).toBe(UPDATE_HEX);
    expect(deserializeCcpRouteUpdatePayload(Buffer.from(UPDATE_HEX, 'hex'))).toEqual(update);
  });

  it('builds zero-amount Prepares with the peer-protocol condition, which ilp-protocol-ccp reads', () => {
    const c = serializeCcpRouteControlRequest(control);
    const p = deserializePrepare(c);
    expect(p.amount).toBe(0n);
    expect(p.destination).toBe('peer.route.control');
    expect(p.executionCondition.equals(ref.PEER_PROTOCOL_CONDITION)).toBe(true);
    expect(isCcpRequest(p)).toBe(true);
    expect(ref.deserializeCcpRouteControlRequest(c)).toEqual(control);
    const u = serializeCcpRouteUpdateRequest(update);
    expect(deserializePrepare(u).destination).toBe('peer.route.update');
    expect(ref.deserializeCcpRouteUpdateRequest(u)).toEqual(update);
    // and theirs we read
    expect(deserializeCcpRouteUpdatePayload(deserializePrepare(ref.serializeCcpRouteUpdateRequest(update)).data)).toEqual(update);
    expect(deserializeCcpRouteControlPayload(deserializePrepare(ref.serializeCcpRouteControlRequest(control)).data)).toEqual(control);
    expect(() => ref.deserializeCcpResponse(serializeCcpResponse())).not.toThrow();
    expect(deserializeFulfill(serializeCcpResponse()).fulfillment.equals(Buffer.alloc(32))).toBe(true);
    expect(isCcpRequest({ destination: 'peer.route.update', executionCondition: Buffer.alloc(32) })).toBe(false);
    expect(CCP_CONDITION.equals(ref.PEER_PROTOCOL_CONDITION)).toBe(true);
  });

  const hex = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'));
  const addr = fc.array(fc.stringMatching(/^[a-z0-9_~-]{1,8}$/), { minLength: 1, maxLength: 4 }).map((s) => `g.${s.join('.')}`);
  const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
  const prop = fc.oneof(
    fc.record({ isOptional: fc.constant(false), isTransitive: fc.constant(true), isPartial: fc.constant(false), isUtf8: fc.constant(false), id: fc.integer({ min: 0, max: 65535 }), value: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)) }),
    fc.record({ isOptional: fc.constant(true), isTransitive: fc.boolean(), isPartial: fc.constant(false), isUtf8: fc.constant(false), id: fc.integer({ min: 0, max: 65535 }), value: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)) }),
  );
  const updates = fc.record({
    routingTableId: hex,
    currentEpochIndex: u32,
    fromEpochIndex: u32,
    toEpochIndex: u32,
    holdDownTime: u32,
    speaker: addr,
    newRoutes: fc.array(fc.record({ prefix: addr, path: fc.array(addr, { maxLength: 5 }), auth: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b)), props: fc.array(prop, { maxLength: 2 }) }), { maxLength: 20 }),
    withdrawnRoutes: fc.array(addr, { maxLength: 20 }),
  });

  it('agrees with ilp-protocol-ccp both ways on random updates and controls', () => {
    fc.assert(
      fc.property(updates, (u) => {
        const ours = serializeCcpRouteUpdatePayload(u);
        expect(ours.equals(ref.serializeCcpRouteUpdateRequestPayload(u))).toBe(true);
        const back = deserializeCcpRouteUpdatePayload(ours);
        const theirs = ref.deserializeCcpRouteUpdateRequestPayload(ours);
        expect(back.newRoutes.map((r) => [r.prefix, r.path, r.auth.toString('hex')])).toEqual(theirs.newRoutes.map((r) => [r.prefix, r.path, r.auth.toString('hex')]));
        expect({ ...back, newRoutes: [] }).toEqual({ ...theirs, newRoutes: [] });
        expect(back.newRoutes.map((r) => r.props.map((p) => [p.id, p.isOptional, p.isTransitive, p.value.toString('hex')]))).toEqual(
          u.newRoutes.map((r) => r.props.map((p) => [p.id, p.isOptional, p.isTransitive, p.value.toString('hex')])),
        );
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.record({ mode: fc.constantFrom(CcpMode.Idle, CcpMode.Sync), lastKnownRoutingTableId: hex, lastKnownEpoch: u32, features: fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }) }), (c) => {
        const ours = serializeCcpRouteControlPayload(c);
        expect(ours.equals(ref.serializeCcpRouteControlRequestPayload(c))).toBe(true);
        expect(deserializeCcpRouteControlPayload(ours)).toEqual(ref.deserializeCcpRouteControlRequestPayload(ours));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses malformed messages with a CodecError naming the field', () => {
    const bad = (f: () => unknown, field: string) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError);
        expect((err as Error).message).toContain(field);
        return;
      }
      throw new Error('expected a CodecError');
    };
    bad(() => deserializeCcpRouteControlPayload(Buffer.from('02' + CONTROL_HEX.slice(2), 'hex')), 'ccp.mode');
    bad(() => deserializeCcpRouteControlPayload(Buffer.from(CONTROL_HEX + '00', 'hex')), 'ccp.control');
    bad(() => deserializeCcpRouteUpdatePayload(Buffer.from(UPDATE_HEX.slice(0, 120), 'hex')), 'ccp.newRoutes[0]');
    bad(() => serializeCcpRouteUpdatePayload({ ...update, newRoutes: [{ ...update.newRoutes[0], auth: Buffer.alloc(31) }] }), 'ccp.newRoutes[0].auth');
    bad(() => serializeCcpRouteControlPayload({ ...control, lastKnownRoutingTableId: 'nope' }), 'ccp.lastKnownRoutingTableId');
  });
});
