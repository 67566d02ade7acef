import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_ILP_DATA_BYTES,
  REJECT_CODE_MAP,
  adaptPaymentResponse,
  computeConditionFromData,
  computeFulfillmentFromData,
  decodeCanonicalBase64,
  generatePaymentId,
  mapRejectCode,
} from '../../../src/node/delivery/payment-adapter.js';

const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

describe('mapRejectCode', () => {
  it.each([
    ['insufficient_funds', 'T04'],
    ['expired', 'R00'],
    ['invalid_request', 'F00'],
    ['invalid_amount', 'F03'],
    ['unexpected_payment', 'F06'],
    ['application_error', 'F99'],
    ['internal_error', 'T00'],
    ['timeout', 'T00'],
  ])('%s -> %s', (code, ilp) => {
    expect(mapRejectCode(code)).toBe(ilp);
    expect(REJECT_CODE_MAP[code]).toBe(ilp);
  });

  it('maps anything else to F99, prototype keys and ILP codes included', () => {
    for (const code of ['whatever', '', 'constructor', '__proto__', 'toString', 'F02', 'INSUFFICIENT_FUNDS', undefined]) {
      expect(mapRejectCode(code)).toBe('F99');
    }
    expect(Object.keys(REJECT_CODE_MAP)).toHaveLength(8);
  });
});

describe('fulfillment convention', () => {
  it('fulfillment = sha256(data), condition = sha256(sha256(data)) (fixed vector)', () => {
    const f = computeFulfillmentFromData(Buffer.alloc(0));
    expect(f.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const { condition, fulfillment } = computeConditionFromData(Buffer.from('hello'));
    expect(fulfillment.toString('hex')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(condition).toEqual(sha256(fulfillment));
    expect(condition).toHaveLength(32);
  });

  it('payment ids are 16 random bytes in base64url', () => {
    const ids = new Set(Array.from({ length: 100 }, generatePaymentId));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('decodeCanonicalBase64', () => {
  it('accepts what Buffer writes and refuses other spellings', () => {
    expect(decodeCanonicalBase64('aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeCanonicalBase64('')).toEqual(Buffer.alloc(0));
    for (const bad of ['aGVsbG8', 'aGVsbG9=', 'aGV sbG8=', '_-8=', 'a===', '!!!!']) {
      expect(decodeCanonicalBase64(bad), bad).toBeUndefined();
    }
  });
});

describe('adaptPaymentResponse', () => {
  const packetData = Buffer.from('ping');

  it('accept: fulfills with sha256(packet data) and decodes the response data', () => {
    const out = adaptPaymentResponse({ accept: true, data: Buffer.from('pong').toString('base64') }, packetData);
    expect(out).toEqual({ fulfill: { fulfillment: sha256(packetData), data: Buffer.from('pong') } });
  });

  it('accept without data: empty data', () => {
    expect(adaptPaymentResponse({ accept: true }, packetData)).toEqual({
      fulfill: { fulfillment: sha256(packetData), data: Buffer.alloc(0) },
    });
  });

  it('drops non-canonical or oversized response data and says why', () => {
    const reasons: string[] = [];
    const bad = adaptPaymentResponse({ accept: true, data: 'not base64!' }, packetData, (r) => reasons.push(r));
    expect('fulfill' in bad && bad.fulfill.data).toEqual(Buffer.alloc(0));
    const big = Buffer.alloc(MAX_ILP_DATA_BYTES + 1).toString('base64');
    const over = adaptPaymentResponse({ accept: true, data: big }, packetData, (r) => reasons.push(r));
    expect('fulfill' in over && over.fulfill.data).toEqual(Buffer.alloc(0));
    expect(reasons).toEqual(['response data is not canonical base64', 'response data is 32768 bytes, over the ILP limit of 32767']);
    const max = Buffer.alloc(MAX_ILP_DATA_BYTES, 1);
    const atLimit = adaptPaymentResponse({ accept: true, data: max.toString('base64') }, packetData);
    expect('fulfill' in atLimit && atLimit.fulfill.data).toEqual(max);
  });

  it('reject: maps the code, keeps the message, defaults to "Payment rejected"', () => {
    expect(adaptPaymentResponse({ accept: false, rejectReason: { code: 'invalid_amount', message: 'Pay more' } }, packetData)).toEqual({
      reject: { code: 'F03', message: 'Pay more', data: Buffer.alloc(0) },
    });
    expect(adaptPaymentResponse({ accept: false }, packetData)).toEqual({
      reject: { code: 'F99', message: 'Payment rejected', data: Buffer.alloc(0) },
    });
    expect(adaptPaymentResponse({ accept: false, rejectReason: { code: 'insufficient_funds', message: '' } }, packetData)).toEqual({
      reject: { code: 'T04', message: 'Payment rejected', data: Buffer.alloc(0) },
    });
  });
});
