/**
 * Fuzz: 100k random and mutated byte strings into every decoder. Each input must either decode or
 * throw a CodecError, never anything else. Whatever decodes must re-encode to the very same bytes
 * (the decoders accept canonical encodings only), and the Prepare view must agree with the full
 * Prepare decoder. Deterministic: a failure prints its seed and input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  deserializeFulfill,
  deserializeIlpPacket,
  deserializePrepare,
  deserializeReject,
  patchPrepare,
  readPrepareView,
  serializeFulfill,
  serializeIlpPacket,
  serializePrepare,
  serializeReject,
} from '../../../src/node/ilp/packet.js';
import { deserializeIldcpResponse, serializeIldcpRequest, serializeIldcpResponse } from '../../../src/node/ilp/ildcp.js';
import { decodeBtp, encodeBtp, encodeBtpIlp } from '../../../src/node/btp/codec.js';
import { CodecError } from '../../../src/node/ilp/errors.js';
import * as arb from './arbitraries.js';
import { btpVectors, ildcpVectors, ilpVectors } from './fixtures.js';
import { fuzzInput, Rng } from './mutate.js';

const INPUTS = 100_000;
const SEED = Number(process.env.FUZZ_SEED ?? 0x1c0dec);

/** Each decoder, and how to encode what it returns (undefined: compared some other way). */
const DECODERS: [string, (b: Buffer) => unknown, ((v: never) => Buffer) | undefined][] = [
  ['deserializePrepare', deserializePrepare, serializePrepare],
  ['deserializeFulfill', deserializeFulfill, serializeFulfill],
  ['deserializeReject', deserializeReject, serializeReject],
  ['deserializeIlpPacket', deserializeIlpPacket, serializeIlpPacket],
  ['readPrepareView', readPrepareView, undefined],
  ['decodeBtp', decodeBtp, encodeBtp],
  ['deserializeIldcpResponse', deserializeIldcpResponse, serializeIldcpResponse],
];

/** Valid encodings of every kind, small enough to mutate quickly. */
function buildCorpus(): Buffer[] {
  const sample = <T>(a: fc.Arbitrary<T>, n: number): T[] => fc.sample(a, { numRuns: n, seed: SEED });
  const prepares = sample(arb.prepare, 60).filter((p) => p.data.length < 400 && p.destination.length < 100).map(serializePrepare);
  const fulfills = sample(arb.fulfill, 40).filter((f) => f.data.length < 400).map(serializeFulfill);
  const rejects = sample(arb.reject, 40).filter((r) => r.data.length < 400 && r.message.length < 200).map(serializeReject);
  const ildcp = sample(arb.ildcpResponse, 30).filter((r) => r.clientAddress.length < 100).map(serializeIldcpResponse);
  const frames = sample(fc.oneof(arb.btpFrame, arb.legacyBtpFrame), 80)
    .map(encodeBtp)
    .filter((b) => b.length < 1000);
  const wrapped = [...prepares.slice(0, 20), ...fulfills.slice(0, 10), ...rejects.slice(0, 10)].map((p, i) => encodeBtpIlp(i % 2 ? 6 : 1, i, p));
  const vectors = [...ilpVectors.valid, ...btpVectors.valid, ...ildcpVectors.valid].map((v) => Buffer.from(v.hex, 'hex'));
  const invalid = [...ilpVectors.invalid, ...btpVectors.invalid, ...ildcpVectors.invalid].map((v) => Buffer.from(v.hex, 'hex'));
  return [...prepares, ...fulfills, ...rejects, ...ildcp, ...frames, ...wrapped, ...vectors, ...invalid, serializeIldcpRequest()];
}

describe('decoder fuzz', () => {
  it(`${INPUTS} random and mutated inputs: decode or CodecError, and canonical re-encoding`, () => {
    const corpus = buildCorpus();
    const rng = new Rng(SEED);
    const failures: string[] = [];
    const decoded = new Map<string, number>(DECODERS.map(([name]) => [name, 0]));
    const reasons = new Set<string>();

    for (let i = 0; i < INPUTS && failures.length < 5; i++) {
      const input = fuzzInput(rng, corpus);
      let prepareOk: boolean | undefined;
      let viewOk: boolean | undefined;
      for (const [name, decode, encode] of DECODERS) {
        let value: unknown;
        try {
          value = decode(input);
        } catch (err) {
          if (name === 'deserializePrepare') prepareOk = false;
          if (name === 'readPrepareView') viewOk = false;
          if (err instanceof CodecError) {
            reasons.add(err.reason.replace(/\d+/g, 'N'));
            continue;
          }
          failures.push(`${name} threw ${String(err)} on input #${i} (seed ${SEED}): ${input.toString('hex')}`);
          continue;
        }
        if (name === 'deserializePrepare') prepareOk = true;
        if (name === 'readPrepareView') viewOk = true;
        decoded.set(name, decoded.get(name)! + 1);
        if (encode !== undefined) {
          let again: Buffer | undefined;
          try {
            again = encode(value as never);
          } catch (err) {
            failures.push(`${name}: decoded value does not re-encode (${String(err)}), input #${i}: ${input.toString('hex')}`);
            continue;
          }
          // ILDCP compares the whole packet; everything else too.
          if (!again.equals(input)) failures.push(`${name}: re-encoding differs, input #${i}: ${input.toString('hex')}`);
        }
      }
      if (prepareOk !== viewOk) failures.push(`readPrepareView and deserializePrepare disagree on input #${i}: ${input.toString('hex')}`);
    }

    expect(failures).toEqual([]);
    // The fuzz must reach deep: mutated inputs that still decode, and many distinct failure reasons.
    for (const [name, n] of decoded) expect(n, `${name} decoded inputs`).toBeGreaterThan(100);
    expect(reasons.size).toBeGreaterThan(40);
  });

  it('encoders given junk fields throw only CodecError', () => {
    const junk = fc.oneof(
      fc.anything({ withBigInt: true, withDate: true, withTypedArray: true, withMap: true, withNullPrototype: true }),
      fc.constantFrom(Buffer.alloc(32), Buffer.alloc(16), 'g.a', 'F00', 0n, 6, 7, 2, 3, new Date(0), []),
    );
    const fields = fc.record({
      type: junk, requestId: junk, amount: junk, expiresAt: junk, executionCondition: junk, destination: junk,
      data: junk, fulfillment: junk, code: junk, triggeredBy: junk, message: junk, name: junk, triggeredAt: junk,
      transferId: junk, protocolData: fc.oneof(junk, fc.array(fc.record({ protocolName: junk, contentType: junk, data: junk }))),
      clientAddress: junk, assetScale: junk, assetCode: junk,
    }, { requiredKeys: [] });
    const encoders: ((v: never) => unknown)[] = [serializePrepare, serializeFulfill, serializeReject, serializeIlpPacket, encodeBtp, serializeIldcpResponse];
    fc.assert(
      fc.property(fc.oneof(fields, junk), (o) => {
        const calls = encoders.map((encode) => () => encode(o as never));
        if (o !== null && typeof o === 'object') {
          const f = o as Record<string, never>;
          calls.push(() => encodeBtpIlp(f.type, f.requestId, f.data), () => patchPrepare(f.data, f.amount, f.expiresAt));
        }
        for (const call of calls) {
          try {
            call();
          } catch (err) {
            if (!(err instanceof CodecError)) throw err;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
