/**
 * XRP Ledger claims and transactions, offline with the real SDK: fixed claim vectors (signed once with
 * xrpl.js, test/fixtures/xrpl-claims.json), forged and tampered claims refused, and each channel
 * transaction built, signed with a Wallet and decoded back with xrpl's own decoder.
 */
import { readFileSync } from 'node:fs';
import { encodeForSigningClaim } from 'ripple-binary-codec';
import { verify as keypairsVerify } from 'ripple-keypairs';
import { describe, expect, it } from 'vitest';
import * as xrpl from 'xrpl';
import { dropsToXrpString, normalizeChannelId, signClaim, verifyClaim } from '../../src/settlement/chains/xrpl/claims.js';
import { loadXrpl } from '../../src/settlement/chains/xrpl/sdk.js';
import { channelCloseTx, channelCreateTx, channelFundTx, channelRedeemTx, TF_CLOSE } from '../../src/settlement/chains/xrpl/transactions.js';

interface Fixture {
  keys: Record<string, { seed: string; address: string; publicKey: string }>;
  claims: { key: string; channelId: string; drops: string; signature: string }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/xrpl-claims.json', import.meta.url), 'utf8')) as Fixture;
const sdk = await loadXrpl();
const ed = xrpl.Wallet.fromSeed(fixture.keys.ed25519.seed);
const k1 = xrpl.Wallet.fromSeed(fixture.keys.secp256k1.seed);
const wallets: Record<string, xrpl.Wallet> = { ed25519: ed, secp256k1: k1 };
const CHANNEL = fixture.claims[0].channelId;

describe('XRPL claims (fixed vectors from xrpl.js signPaymentChannelClaim)', () => {
  it('the fixture keys derive from their seeds', () => {
    for (const [name, k] of Object.entries(fixture.keys)) {
      expect(wallets[name].classicAddress).toBe(k.address);
      expect(wallets[name].publicKey).toBe(k.publicKey);
    }
    expect(ed.publicKey.startsWith('ED')).toBe(true);
    expect(/^0[23]/.test(k1.publicKey)).toBe(true);
  });

  it('signClaim reproduces every vector, and every vector verifies (ed25519 and secp256k1)', () => {
    expect(fixture.claims.length).toBe(16);
    for (const c of fixture.claims) {
      const w = wallets[c.key];
      expect(signClaim(sdk, w.privateKey, c.channelId, BigInt(c.drops))).toBe(c.signature);
      expect(signClaim(sdk, w.privateKey, c.channelId.toLowerCase(), BigInt(c.drops))).toBe(c.signature);
      expect(verifyClaim(sdk, w.publicKey, c.channelId, BigInt(c.drops), c.signature)).toBe(true);
      expect(verifyClaim(sdk, w.publicKey.toLowerCase(), c.channelId.toLowerCase(), BigInt(c.drops), c.signature.toLowerCase())).toBe(true);
      // The same bytes the ledger checks: encodeForSigningClaim over (channel, drops).
      expect(keypairsVerify(encodeForSigningClaim({ channel: c.channelId, amount: c.drops }), c.signature, w.publicKey)).toBe(true);
    }
  });

  it('refuses tampered claims: another amount, channel, key, or a flipped signature byte', () => {
    for (const c of fixture.claims) {
      const w = wallets[c.key];
      const other = c.key === 'ed25519' ? k1 : ed;
      const drops = BigInt(c.drops);
      expect(verifyClaim(sdk, w.publicKey, c.channelId, drops + 1n, c.signature)).toBe(false);
      if (drops > 0n) expect(verifyClaim(sdk, w.publicKey, c.channelId, drops - 1n, c.signature)).toBe(false);
      const otherChannel = fixture.claims.find((x) => x.channelId !== c.channelId)?.channelId ?? '';
      expect(verifyClaim(sdk, w.publicKey, otherChannel, drops, c.signature)).toBe(false);
      expect(verifyClaim(sdk, other.publicKey, c.channelId, drops, c.signature)).toBe(false);
      const i = 20;
      const flipped = c.signature.slice(0, i) + (c.signature[i] === '0' ? '1' : '0') + c.signature.slice(i + 1);
      expect(verifyClaim(sdk, w.publicKey, c.channelId, drops, flipped)).toBe(false);
    }
  });

  it('refuses a forged claim: signed by a key that is not the channel key', () => {
    const mallory = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(9), { algorithm: 'ed25519' as xrpl.ECDSA });
    const forged = signClaim(sdk, mallory.privateKey, CHANNEL, 5_000_000n);
    expect(verifyClaim(sdk, mallory.publicKey, CHANNEL, 5_000_000n, forged)).toBe(true);
    expect(verifyClaim(sdk, ed.publicKey, CHANNEL, 5_000_000n, forged)).toBe(false);
  });

  it('malformed input is false, never a throw', () => {
    const good = fixture.claims[0];
    const cases: [unknown, unknown, unknown, unknown][] = [
      [undefined, good.channelId, 1n, good.signature],
      ['ED' + '00'.repeat(32), good.channelId, 1n, good.signature],
      ['zz', good.channelId, 1n, good.signature],
      [ed.publicKey, 'abc', 1n, good.signature],
      [ed.publicKey, `0x${good.channelId}`, 1n, good.signature],
      [ed.publicKey, good.channelId, -1n, good.signature],
      [ed.publicKey, good.channelId, 10n ** 17n + 1n, good.signature],
      [ed.publicKey, good.channelId, 1, good.signature],
      [ed.publicKey, good.channelId, 1n, ''],
      [ed.publicKey, good.channelId, 1n, 'not hex'],
      [ed.publicKey, good.channelId, 1n, 'AB'.repeat(200)],
      [ed.publicKey, good.channelId, 1n, null],
      [k1.publicKey, good.channelId, 1n, '30'.repeat(40)],
    ];
    for (const [pk, id, drops, sig] of cases) expect(verifyClaim(sdk, pk, id, drops, sig)).toBe(false);
  });

  it('signClaim refuses a malformed channel id or amount with a message saying which', () => {
    expect(() => signClaim(sdk, ed.privateKey, 'abc', 1n)).toThrow(/64 hex digits/);
    expect(() => signClaim(sdk, ed.privateKey, CHANNEL, -1n)).toThrow(/out of range/);
  });

  it('drops to XRP strings are exact; channel ids normalize to uppercase', () => {
    expect(dropsToXrpString(0n)).toBe('0');
    expect(dropsToXrpString(1n)).toBe('0.000001');
    expect(dropsToXrpString(1_500_000n)).toBe('1.5');
    expect(dropsToXrpString(100_000_000_000_000_000n)).toBe('100000000000');
    expect(dropsToXrpString(123_456_789_012_345_678n)).toBe('123456789012.345678');
    expect(normalizeChannelId(CHANNEL.toLowerCase())).toBe(CHANNEL);
    expect(normalizeChannelId(`0x${CHANNEL}`)).toBeUndefined();
    expect(normalizeChannelId(CHANNEL.slice(1))).toBeUndefined();
    expect(normalizeChannelId(`${CHANNEL.slice(1)}G`)).toBeUndefined();
  });
});

describe('XRPL channel transactions, signed and decoded back with xrpl decode', () => {
  const fill = { Sequence: 7, Fee: '12', LastLedgerSequence: 1234 };

  function signAndDecode(w: xrpl.Wallet, tx: xrpl.SubmittableTransaction): Record<string, unknown> {
    const signed = w.sign({ ...tx, ...fill });
    const decoded = xrpl.decode(signed.tx_blob);
    expect(decoded.SigningPubKey).toBe(w.publicKey);
    expect(typeof decoded.TxnSignature).toBe('string');
    expect(decoded.Sequence).toBe(7);
    expect(decoded.Fee).toBe('12');
    expect(decoded.LastLedgerSequence).toBe(1234);
    expect(xrpl.hashes.hashSignedTx(signed.tx_blob)).toBe(signed.hash);
    return decoded;
  }

  it('PaymentChannelCreate: Destination, Amount, SettleDelay, PublicKey', () => {
    const d = signAndDecode(ed, channelCreateTx(ed.classicAddress, k1.classicAddress, 25_000_000n, 86_400, ed.publicKey));
    expect(d).toMatchObject({ TransactionType: 'PaymentChannelCreate', Account: ed.classicAddress, Destination: k1.classicAddress, Amount: '25000000', SettleDelay: 86_400, PublicKey: ed.publicKey });
  });

  it('PaymentChannelFund: Channel and the added Amount', () => {
    const d = signAndDecode(ed, channelFundTx(ed.classicAddress, CHANNEL, 5_000_000n));
    expect(d).toMatchObject({ TransactionType: 'PaymentChannelFund', Account: ed.classicAddress, Channel: CHANNEL, Amount: '5000000' });
  });

  it('PaymentChannelClaim (redeem, with and without close): Balance = Amount, the claim signature verifies in the decoded tx', () => {
    const claim = signClaim(sdk, ed.privateKey, CHANNEL, 3_000_000n);
    for (const close of [false, true]) {
      const d = signAndDecode(k1, channelRedeemTx(k1.classicAddress, CHANNEL, 3_000_000n, claim, ed.publicKey, close));
      expect(d).toMatchObject({ TransactionType: 'PaymentChannelClaim', Account: k1.classicAddress, Channel: CHANNEL, Balance: '3000000', Amount: '3000000', Signature: claim, PublicKey: ed.publicKey });
      expect(d.Flags ?? 0).toBe(close ? TF_CLOSE : 0);
      expect(verifyClaim(sdk, d.PublicKey, d.Channel, BigInt(d.Amount as string), d.Signature)).toBe(true);
    }
  });

  it('PaymentChannelClaim (close / settle): tfClose and nothing else', () => {
    const d = signAndDecode(ed, channelCloseTx(ed.classicAddress, CHANNEL));
    expect(d).toMatchObject({ TransactionType: 'PaymentChannelClaim', Account: ed.classicAddress, Channel: CHANNEL, Flags: TF_CLOSE });
    expect(d.Balance).toBeUndefined();
    expect(d.Signature).toBeUndefined();
  });
});
