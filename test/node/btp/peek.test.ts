/**
 * peekBtpIlp is the packet path's shortcut past decodeBtp: whenever it answers, decodeBtp must agree
 * (a MESSAGE/RESPONSE with exactly one `ilp` octet-stream entry holding the same bytes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BtpType, ContentType, decodeBtp, encodeBtp, encodeBtpIlp, getIlpData, peekBtpIlp } from '../../../src/node/btp/codec.js';

describe('peekBtpIlp', () => {
  it('reads every ilp-only MESSAGE and RESPONSE encodeBtpIlp writes, at every length prefix size', () => {
    fc.assert(
      fc.property(fc.constantFrom(6 as const, 1 as const), fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 40_000 }), (type, id, ilp) => {
        const frame = encodeBtpIlp(type, id, ilp);
        const seen = peekBtpIlp(frame);
        expect(seen).toBeDefined();
        expect(Buffer.compare(seen!, Buffer.from(ilp))).toBe(0);
        expect(frame[0]).toBe(type);
        expect(frame.readUInt32BE(1)).toBe(id);
      }),
      { numRuns: 300 },
    );
  });

  it('declines frames with other or extra protocol data, other types and trailing bytes', () => {
    const ilp = Buffer.from([12, 1, 2, 3]);
    const two = encodeBtp({ type: 6, requestId: 1, protocolData: [{ protocolName: 'ilp', contentType: 0, data: ilp }, { protocolName: 'x', contentType: 1, data: Buffer.alloc(1) }] });
    expect(peekBtpIlp(two)).toBeUndefined();
    const other = encodeBtp({ type: 6, requestId: 1, protocolData: [{ protocolName: 'ilq', contentType: 0, data: ilp }] });
    expect(peekBtpIlp(other)).toBeUndefined();
    const text = encodeBtp({ type: 6, requestId: 1, protocolData: [{ protocolName: 'ilp', contentType: ContentType.TextPlainUtf8, data: ilp }] });
    expect(peekBtpIlp(text)).toBeUndefined();
    const transfer = encodeBtp({ type: BtpType.Transfer, requestId: 1, amount: 5n, protocolData: [{ protocolName: 'ilp', contentType: 0, data: ilp }] });
    expect(peekBtpIlp(transfer)).toBeUndefined();
    const ok = encodeBtpIlp(6, 9, ilp);
    expect(peekBtpIlp(Buffer.concat([ok, Buffer.from([0])]))).toBeUndefined();
    expect(peekBtpIlp(ok.subarray(0, ok.length - 1))).toBeUndefined();
  });

  it('never answers where decodeBtp disagrees (mutated frames)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }), (ilp, flips) => {
        const frame = Buffer.from(encodeBtpIlp(6, 7, ilp));
        for (const [at, value] of flips) frame[at % frame.length] = value;
        const seen = peekBtpIlp(frame);
        if (seen === undefined) return;
        const f = decodeBtp(frame); // must not throw when the peek answered
        expect(f.type === BtpType.Message || f.type === BtpType.Response).toBe(true);
        expect(f.protocolData).toHaveLength(1);
        expect(f.protocolData[0].contentType).toBe(0);
        expect(Buffer.compare(getIlpData(f)!, seen)).toBe(0);
      }),
      { numRuns: 20_000 },
    );
  });
});
