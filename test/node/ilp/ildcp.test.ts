import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { CodecError } from '../../../src/node/ilp/errors.js';
import {
  deserializeIldcpResponse,
  ILDCP_CONDITION,
  ILDCP_FULFILLMENT,
  isIldcpRequest,
  serializeIldcpRequest,
  serializeIldcpResponse,
} from '../../../src/node/ilp/ildcp.js';
import { deserializePrepare, readPrepareView, serializePrepare } from '../../../src/node/ilp/packet.js';
import { ildcpVectors } from './fixtures.js';

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

describe('ILDCP', () => {
  it('uses the RFC 0031 peer condition and zero fulfillment', () => {
    expect(ILDCP_FULFILLMENT.equals(Buffer.alloc(32))).toBe(true);
    expect(ILDCP_CONDITION.toString('base64')).toBe('Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=');
    expect(ILDCP_CONDITION.equals(createHash('sha256').update(ILDCP_FULFILLMENT).digest())).toBe(true);
  });

  for (const v of ildcpVectors.valid) {
    it(`matches the vector both ways: ${v.name}`, () => {
      if (v.kind === 'request') {
        const expiresAt = new Date(v.expiresAt!);
        expect(serializeIldcpRequest({ expiresAt }).toString('hex')).toBe(v.hex);
        const p = deserializePrepare(hex(v.hex));
        expect(p.amount).toBe(0n);
        expect(p.data.length).toBe(0);
        expect(isIldcpRequest(p)).toBe(true);
        expect(isIldcpRequest(readPrepareView(hex(v.hex)))).toBe(true);
      } else {
        expect(deserializeIldcpResponse(hex(v.hex))).toEqual(v.response);
        expect(serializeIldcpResponse(v.response!).toString('hex')).toBe(v.hex);
      }
    });
  }

  for (const v of ildcpVectors.invalid) {
    it(`rejects: ${v.name}`, () => {
      expect(reasonOf(() => deserializeIldcpResponse(hex(v.hex)))).toBe(v.reason);
    });
  }

  it('defaults the request expiry to 60 s from now', () => {
    const before = Date.now();
    const p = deserializePrepare(serializeIldcpRequest());
    expect(p.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 60_000);
    expect(p.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('tells other Prepares apart', () => {
    const base = { amount: 0n, expiresAt: new Date(), executionCondition: ILDCP_CONDITION, destination: 'peer.config', data: Buffer.alloc(0) };
    expect(isIldcpRequest(deserializePrepare(serializePrepare(base)))).toBe(true);
    expect(isIldcpRequest({ ...base, destination: 'peer.route.control' })).toBe(false);
    expect(isIldcpRequest({ ...base, destination: 'g.peer.config' })).toBe(false);
    expect(isIldcpRequest({ ...base, executionCondition: Buffer.alloc(32) })).toBe(false);
  });

  it('refuses responses it cannot encode', () => {
    const ok = { clientAddress: 'g.a.b', assetScale: 9, assetCode: 'USD' };
    expect(reasonOf(() => serializeIldcpResponse({ ...ok, clientAddress: 'g' }))).toBe('ildcp.clientAddress: invalid ILP address');
    expect(reasonOf(() => serializeIldcpResponse({ ...ok, assetScale: 256 }))).toBe('ildcp.assetScale: not a UInt8');
    expect(reasonOf(() => serializeIldcpResponse({ ...ok, assetScale: 1.5 }))).toBe('ildcp.assetScale: not a UInt8');
    expect(reasonOf(() => serializeIldcpResponse({ ...ok, assetCode: 'x'.repeat(40_000) }))).toBe('ildcp: 40010 bytes exceeds the maximum of 32767');
    expect(reasonOf(() => deserializeIldcpResponse(hex('0e00')))).toBe('fulfill.type: expected 13, got 14');
  });
});
