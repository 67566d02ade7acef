/**
 * The store format, against fixed vectors both ways and random round trips.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntry, decodeI128, decodeIdList, decodePostings, encodeEntry, encodeI128, encodeIdList, parseTimeKey, timeKey, timeKeyBound } from '../../src/ledger/codec.js';
import { entryKinds, type JournalEntry } from '../../src/ledger/index.js';

interface Vectors {
  entries: { ts: number; entry: { id: string; kind: JournalEntry['kind']; postings: { account: string; amount: string }[]; condition?: string; sourcePeer?: string; requestId?: number }; hex: string }[];
  amounts: { value: string; hex: string }[];
  idLists: { ids: string[]; hex: string }[];
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/ledger/vectors.json', import.meta.url), 'utf8')) as Vectors;

describe('fixed vectors', () => {
  it('encodes and decodes entries', () => {
    for (const v of vectors.entries) {
      const e: JournalEntry = {
        id: v.entry.id,
        kind: v.entry.kind,
        postings: v.entry.postings.map((p) => ({ account: p.account, amount: BigInt(p.amount) })),
      };
      if (v.entry.condition) e.condition = Buffer.from(v.entry.condition, 'hex');
      if (v.entry.sourcePeer) e.sourcePeer = v.entry.sourcePeer;
      if (v.entry.requestId !== undefined) e.requestId = v.entry.requestId;
      expect(encodeEntry(e, v.ts).toString('hex')).toBe(v.hex);
      expect(decodeEntry(e.id, Buffer.from(v.hex, 'hex'))).toEqual({ ...e, ts: v.ts });
      expect(decodePostings(Buffer.from(v.hex, 'hex'))).toEqual({ ts: v.ts, postings: e.postings });
    }
  });

  it('encodes and decodes 128-bit amounts', () => {
    for (const v of vectors.amounts) {
      expect(encodeI128(BigInt(v.value)).toString('hex')).toBe(v.hex);
      expect(decodeI128(Buffer.from(v.hex, 'hex'))).toBe(BigInt(v.value));
    }
    expect(() => encodeI128(1n << 127n)).toThrow(RangeError);
    expect(() => decodeI128(Buffer.alloc(8))).toThrow(/16 bytes/);
  });

  it('encodes and decodes time record id lists', () => {
    for (const v of vectors.idLists) {
      expect(encodeIdList(v.ids).toString('hex')).toBe(v.hex);
      expect(decodeIdList(Buffer.from(v.hex, 'hex'))).toEqual(v.ids);
    }
  });
});

const account = fc.oneof(
  fc.constantFrom('agent', 'fees', 'onchain'),
  fc.tuple(fc.constantFrom('peer:', 'channelIn:', 'channelOut:'), fc.stringMatching(/^[a-zA-Z0-9_~-]{1,20}$/)).map(([p, id]) => p + id),
);
const amount = fc.bigInt({ min: -((1n << 64n) - 1n), max: (1n << 64n) - 1n });

describe('round trips', () => {
  it('entries survive encode/decode', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            id: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
            kind: fc.constantFrom(...entryKinds),
            postings: fc.array(fc.record({ account, amount }), { minLength: 1, maxLength: 8 }),
            condition: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
            sourcePeer: fc.string({ maxLength: 30, unit: 'grapheme' }),
            requestId: fc.nat({ max: 0xffffffff }),
          },
          { requiredKeys: ['id', 'kind', 'postings'] },
        ),
        fc.nat({ max: 2 ** 48 - 1 }),
        (e, ts) => {
          const decoded = decodeEntry(e.id, encodeEntry(e, ts));
          expect(decoded).toEqual({ ...e, ts });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('signed 128-bit amounts survive and sort as the time keys do', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 127n), max: (1n << 127n) - 1n }), (v) => {
        expect(decodeI128(encodeI128(v))).toBe(v);
      }),
    );
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 48 - 2 }), fc.nat({ max: 2 ** 48 - 2 }), fc.string({ minLength: 1, maxLength: 10 }), (a, b, id) => {
        const ka = timeKey(a, id);
        expect(parseTimeKey(ka)).toEqual({ ts: a, id });
        expect(Math.sign(Buffer.compare(ka, timeKeyBound(b)))).toBe(a < b ? -1 : 1);
      }),
    );
  });
});
