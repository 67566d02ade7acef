/**
 * Aptos claims, offline with the real SDK: the BCS claim message against the fixture shared with the
 * Move module's #[test], Ed25519 signing and verification, refusals, and every entry-function
 * transaction built, signed and decoded back with the SDK's own decoders. The adapter connects to the
 * stand-in node (test/settlement/stand-ins/aptos-node.ts) only to read the chain id at start.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as sdk from '@aptos-labs/ts-sdk';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABORTS, APTOS_SETTLE_DELAY_RANGE, AptosChain } from '../../src/settlement/chains/aptos/aptos-chain.js';
import { importAptosSdk } from '../../src/settlement/chains/aptos/sdk.js';
import { claimMessageBytes, toHex } from '../../src/settlement/chains/aptos/claim-message.js';
import type { OnchainChannel } from '../../src/settlement/chain.js';
import { AptosNodeStandIn, channelId } from './stand-ins/aptos-node.js';

interface Fixture {
  channel: { sender: string; receiver: string; counter: string; idPreimage: string; id: string };
  claim: { domain: string; chainId: number; moduleAddress: string; channelId: string; amount: string; nonce: string };
  expectedBcs: string;
  signer: { privateKey: string; publicKey: string; signature: string };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/aptos-claim-message.json', import.meta.url), 'utf8')) as Fixture;
const moveSource = readFileSync(new URL('../../contracts/aptos/sources/payment_channel.move', import.meta.url), 'utf8');
const logger = pino({ level: 'silent' });

let node: AptosNodeStandIn;
let chain: AptosChain;

beforeAll(async () => {
  // The fixture's chain and module address, so the adapter's own claim message is the fixture's.
  node = new AptosNodeStandIn({ chainId: fixture.claim.chainId, moduleAddress: fixture.claim.moduleAddress });
  await node.start();
  chain = await AptosChain.connect({ nodeUrl: node.url, module: node.module, privateKey: fixture.signer.privateKey, logger });
});

afterAll(async () => {
  chain.close();
  await node.stop();
});

function fixtureChannel(over: Partial<OnchainChannel> = {}): OnchainChannel {
  return {
    channelId: fixture.channel.id,
    sender: fixture.channel.sender,
    receiver: fixture.channel.receiver,
    settlementTimeout: 3600,
    state: 'open',
    closedAt: 0,
    deposit: 10n ** 9n,
    withdrawn: 0n,
    claimed: 0n,
    nonce: 0n,
    publicKey: fixture.signer.publicKey,
    ...over,
  };
}

describe('Aptos claim message (BCS fixture shared with the Move #[test])', () => {
  it('the encoder gives the fixture bytes', () => {
    const c = fixture.claim;
    const bytes = claimMessageBytes(sdk, { chainId: c.chainId, moduleAddress: c.moduleAddress, channelId: c.channelId, amount: BigInt(c.amount), nonce: BigInt(c.nonce) });
    expect(toHex(bytes)).toBe(fixture.expectedBcs);
    // and the adapter's, on the fixture's chain and module
    expect(toHex(chain.claimMessage(c.channelId, BigInt(c.nonce), BigInt(c.amount)))).toBe(fixture.expectedBcs);
    expect(Buffer.from(bytes.subarray(1, 1 + c.domain.length)).toString('ascii')).toBe(c.domain);
  });

  it('the channel id is sha3-256(bcs(sender) ‖ bcs(receiver) ‖ bcs(counter))', () => {
    expect(channelId(fixture.channel.sender, fixture.channel.receiver, BigInt(fixture.channel.counter))).toBe(fixture.channel.id);
  });

  it('the Move module holds the same literals in its fixture tests', () => {
    const hex = (h: string) => `x"${h.slice(2)}"`;
    expect(moveSource).toContain(hex(fixture.expectedBcs));
    expect(moveSource).toContain(hex(fixture.channel.id));
    expect(moveSource).toContain(hex(fixture.signer.signature));
    expect(moveSource).toContain(hex(fixture.signer.publicKey));
    expect(moveSource).toContain(`b"${fixture.claim.domain}"`);
    expect(moveSource).toContain(`@${fixture.channel.sender}`);
    expect(moveSource).toContain(`amount: ${fixture.claim.amount},`);
  });

  it("the adapter's abort words and settle delay range match the Move module's constants", () => {
    const consts = new Map([...moveSource.matchAll(/const (E_[A-Z_]+): u64 = (\d+);/g)].map((m) => [Number(m[2]), m[1]]));
    expect(consts.size).toBe(Object.keys(ABORTS).length);
    for (const [code, name] of consts) expect(ABORTS[code]?.name).toBe(name);
    expect(moveSource).toContain(`const MIN_SETTLE_DELAY: u64 = ${APTOS_SETTLE_DELAY_RANGE[0]};`);
    expect(moveSource).toContain(`const MAX_SETTLE_DELAY: u64 = ${APTOS_SETTLE_DELAY_RANGE[1]};`);
  });

  it('a missing @aptos-labs/ts-sdk is CHAIN_SDK_MISSING with the install line', async () => {
    const missing = Object.assign(new Error("Cannot find package '@aptos-labs/ts-sdk'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = (await importAptosSdk(() => Promise.reject(missing)).catch((e: unknown) => e)) as { code?: string; message: string };
    expect(err.code).toBe('CHAIN_SDK_MISSING');
    expect(err.message).toMatch(/@aptos-labs\/ts-sdk/);
  });

  it('out-of-range inputs are refused', () => {
    const c = fixture.claim;
    const base = { chainId: c.chainId, moduleAddress: c.moduleAddress, channelId: c.channelId, amount: 1n, nonce: 1n };
    expect(() => claimMessageBytes(sdk, { ...base, amount: 1n << 64n })).toThrow(/not a u64/);
    expect(() => claimMessageBytes(sdk, { ...base, nonce: -1n })).toThrow(/not a u64/);
    expect(() => claimMessageBytes(sdk, { ...base, chainId: 256 })).toThrow(/not a u8/);
    expect(() => claimMessageBytes(sdk, { ...base, channelId: '0x1234' })).toThrow(/64 hex digits/);
  });
});

describe('Aptos claim signatures (Ed25519, real SDK)', () => {
  it('signs the fixture message to the fixture signature (Ed25519 is deterministic) with the fixture key', () => {
    expect(chain.publicKey).toBe(fixture.signer.publicKey);
    const sig = chain.signBalanceProof(fixture.claim.channelId, BigInt(fixture.claim.nonce), BigInt(fixture.claim.amount));
    expect(sig).toBe(fixture.signer.signature);
    expect(chain.verifyBalanceProof(fixtureChannel(), BigInt(fixture.claim.nonce), BigInt(fixture.claim.amount), sig)).toBe(true);
    // an upper-case channel id is the same channel
    expect(chain.verifyBalanceProof(fixtureChannel({ channelId: fixture.channel.id.toUpperCase().replace('0X', '0x') }), 7n, 123456789n, sig)).toBe(true);
  });

  it('refuses a tampered amount, nonce or channel, a wrong key, a forged or malformed signature; never throws', () => {
    const sig = fixture.signer.signature;
    const ch = fixtureChannel();
    expect(chain.verifyBalanceProof(ch, 7n, 123456790n, sig)).toBe(false);
    expect(chain.verifyBalanceProof(ch, 8n, 123456789n, sig)).toBe(false);
    expect(chain.verifyBalanceProof(fixtureChannel({ channelId: `0x${'11'.repeat(32)}` }), 7n, 123456789n, sig)).toBe(false);
    const other = sdk.Ed25519PrivateKey.generate();
    expect(chain.verifyBalanceProof(fixtureChannel({ publicKey: other.publicKey().toString() }), 7n, 123456789n, sig)).toBe(false);
    const forged = other.sign(chain.claimMessage(fixture.channel.id, 7n, 123456789n)).toString();
    expect(chain.verifyBalanceProof(ch, 7n, 123456789n, forged)).toBe(false);
    const flipped = `${sig.slice(0, 10)}${sig[10] === '0' ? '1' : '0'}${sig.slice(11)}`;
    expect(chain.verifyBalanceProof(ch, 7n, 123456789n, flipped)).toBe(false);
    // a claim for another chain id or module does not verify here
    const foreign = new sdk.Ed25519PrivateKey(fixture.signer.privateKey).sign(claimMessageBytes(sdk, { chainId: 1, moduleAddress: fixture.claim.moduleAddress, channelId: fixture.channel.id, amount: 123456789n, nonce: 7n })).toString();
    expect(chain.verifyBalanceProof(ch, 7n, 123456789n, foreign)).toBe(false);
    for (const bad of ['', '0x', 'zz', sig.slice(0, -2), `${sig}00`, sig.slice(2), `0x${'g'.repeat(128)}`]) expect(chain.verifyBalanceProof(ch, 7n, 123456789n, bad)).toBe(false);
    expect(chain.verifyBalanceProof(fixtureChannel({ publicKey: undefined }), 7n, 123456789n, sig)).toBe(false);
    expect(chain.verifyBalanceProof(fixtureChannel({ publicKey: '0x1234' }), 7n, 123456789n, sig)).toBe(false);
    expect(chain.verifyBalanceProof(fixtureChannel({ channelId: 'nope' }), 7n, 123456789n, sig)).toBe(false);
    expect(chain.verifyBalanceProof(ch, 7n, 1n << 64n, sig)).toBe(false);
    expect(chain.verifyBalanceProof(ch, -1n, 5n, sig)).toBe(false);
  });

  it('ids and addresses in canonical form', () => {
    expect(chain.normalizeChannelId(fixture.channel.id.toUpperCase().replace('0X', '0x'))).toBe(fixture.channel.id);
    expect(chain.normalizeChannelId('0x1234')).toBeUndefined();
    expect(chain.normalizeChannelId(fixture.channel.id.slice(2))).toBeUndefined();
    expect(chain.sameAddress('0x1', `0x${'0'.repeat(63)}1`)).toBe(true);
    expect(chain.sameAddress('0xCAFE', `0x${'0'.repeat(60)}cafe`)).toBe(true);
    expect(chain.sameAddress('0x1', '0x2')).toBe(false);
    expect(chain.sameAddress('0x1', 'garbage')).toBe(false);
    expect(chain.isAddress(fixture.channel.sender)).toBe(true);
    expect(chain.isAddress('0x1')).toBe(true);
    expect(chain.isAddress(`0x${'a'.repeat(65)}`)).toBe(false);
    expect(chain.isAddress('alice')).toBe(false);
    expect(chain.chain).toBe('aptos');
    expect(chain.chainId).toBe(fixture.claim.chainId);
    expect(chain.contract).toBe(`0x${'0'.repeat(60)}cafe::payment_channel`);
    expect(chain.token).toBe('0x1::aptos_coin::AptosCoin');
    expect(chain.decimals).toBe(8);
    expect(chain.features).toEqual({ withdraw: false, cooperativeClose: false });
    expect(chain.settlementTimeoutRange).toEqual([3600, 31536000]);
  });
});

describe('Aptos transactions built, signed and decoded back with the SDK', () => {
  const id = fixture.channel.id;
  const idBytes = Buffer.from(id.slice(2), 'hex');
  const receiver = sdk.AccountAddress.from(fixture.channel.receiver);
  const sig = fixture.signer.signature;
  const o = { sequenceNumber: 42n, gasUnitPrice: 100n, expireTimestamp: 2_000_000_000n };
  const cases: { fn: 'open_channel' | 'deposit' | 'claim' | 'close' | 'settle'; args: () => sdk.EntryFunctionArgumentTypes[]; decode: (d: sdk.Deserializer[]) => unknown[]; expected: unknown[] }[] = [
    {
      fn: 'open_channel',
      args: () => [receiver, sdk.MoveVector.U8(fixture.signer.publicKey), new sdk.U64(5000n), new sdk.U64(3600n)],
      decode: (d) => [sdk.AccountAddress.deserialize(d[0]).toStringLong(), toHex(d[1].deserializeBytes()), d[2].deserializeU64(), d[3].deserializeU64()],
      expected: [fixture.channel.receiver, fixture.signer.publicKey, 5000n, 3600n],
    },
    {
      fn: 'deposit',
      args: () => [sdk.MoveVector.U8(idBytes), new sdk.U64(250n)],
      decode: (d) => [toHex(d[0].deserializeBytes()), d[1].deserializeU64()],
      expected: [id, 250n],
    },
    {
      fn: 'claim',
      args: () => [sdk.MoveVector.U8(idBytes), new sdk.U64(123456789n), new sdk.U64(7n), sdk.MoveVector.U8(sig)],
      decode: (d) => [toHex(d[0].deserializeBytes()), d[1].deserializeU64(), d[2].deserializeU64(), toHex(d[3].deserializeBytes())],
      expected: [id, 123456789n, 7n, sig],
    },
    { fn: 'close', args: () => [sdk.MoveVector.U8(idBytes)], decode: (d) => [toHex(d[0].deserializeBytes())], expected: [id] },
    { fn: 'settle', args: () => [sdk.MoveVector.U8(idBytes)], decode: (d) => [toHex(d[0].deserializeBytes())], expected: [id] },
  ];

  for (const c of cases) {
    it(`${c.fn}: SignedTransaction.deserialize gives back the function, type argument, arguments, signer and a valid signature`, () => {
      const built = chain.buildSigned(c.fn, c.args(), o);
      const signed = sdk.SignedTransaction.deserialize(new sdk.Deserializer(built.bytes));
      const raw = signed.raw_txn;
      expect(raw.sender.toStringLong()).toBe(sdk.AccountAddress.from(chain.address).toStringLong());
      expect(raw.sequence_number).toBe(42n);
      expect(raw.gas_unit_price).toBe(100n);
      expect(raw.max_gas_amount).toBe(100_000n);
      expect(raw.expiration_timestamp_secs).toBe(2_000_000_000n);
      expect(raw.chain_id.chainId).toBe(fixture.claim.chainId);
      expect(raw.payload).toBeInstanceOf(sdk.TransactionPayloadEntryFunction);
      const ef = (raw.payload as sdk.TransactionPayloadEntryFunction).entryFunction;
      expect(`${ef.module_name.address.toStringLong()}::${ef.module_name.name.identifier}::${ef.function_name.identifier}`).toBe(`${chain.contract}::${c.fn}`);
      expect(ef.type_args.map((t) => t.toString())).toEqual(['0x1::aptos_coin::AptosCoin']);
      expect(c.decode(ef.args.map((a) => new sdk.Deserializer(a.bcsToBytes())))).toEqual(c.expected);
      // the authenticator: our key, a signature over the RawTransaction signing message
      const auth = signed.authenticator;
      expect(auth).toBeInstanceOf(sdk.TransactionAuthenticatorEd25519);
      const ed = auth as sdk.TransactionAuthenticatorEd25519;
      expect(ed.public_key.toString()).toBe(chain.publicKey);
      const message = sdk.generateSigningMessage(raw.bcsToBytes(), 'APTOS::RawTransaction');
      expect(ed.public_key.verifySignature({ message, signature: ed.signature })).toBe(true);
      // the hash the adapter waits for is the one the node computes
      const prefix = createHash('sha3-256').update('APTOS::Transaction').digest();
      expect(built.hash).toBe(`0x${createHash('sha3-256').update(prefix).update(Buffer.from([0])).update(built.bytes).digest('hex')}`);
      // RawTransaction on its own round-trips too
      const again = sdk.RawTransaction.deserialize(new sdk.Deserializer(raw.bcsToBytes()));
      expect(again.bcsToBytes()).toEqual(raw.bcsToBytes());
    });
  }
});
