/**
 * XrplChain's submit, wait-for-validation, reads and reconnect, against a STAND-IN rippled
 * (test/settlement/stand-ins/rippled.ts): it proves our client logic, not the XRP Ledger. The real
 * ledger is exercised by xrpl-real.test.ts when XRPL_URL is set.
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as xrpl from 'xrpl';
import { XrplCallError, XrplChain } from '../../src/settlement/chains/xrpl/xrpl-chain.js';
import { TF_CLOSE } from '../../src/settlement/chains/xrpl/transactions.js';
import { StandInRippled } from './stand-ins/rippled.js';

const XRP = 1_000_000n;
const logger = pino({ level: 'silent' });
const aliceWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(11), { algorithm: 'ed25519' as xrpl.ECDSA });
const bobWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(12), { algorithm: 'ecdsa-secp256k1' as xrpl.ECDSA });
const carolWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(13), { algorithm: 'ed25519' as xrpl.ECDSA });

function connect(server: StandInRippled, w: xrpl.Wallet, extra: { requestTimeoutMs?: number } = {}): Promise<XrplChain> {
  return XrplChain.connect({ server: server.url, seed: w.seed ?? '', logger, validationPollMs: 50, requestTimeoutMs: extra.requestTimeoutMs ?? 3000 });
}

function lastSubmitted(server: StandInRippled): Record<string, unknown> {
  return xrpl.decode(server.submitted[server.submitted.length - 1]);
}

describe('XrplChain against a stand-in rippled', () => {
  let server: StandInRippled;
  let alice: XrplChain;
  let bob: XrplChain;
  const extra: XrplChain[] = [];
  const servers: StandInRippled[] = [];

  beforeAll(async () => {
    server = await StandInRippled.start({ closeEveryMs: 100 });
    server.fund(aliceWallet.classicAddress, 1000n * XRP);
    server.fund(bobWallet.classicAddress, 1000n * XRP);
    alice = await connect(server, aliceWallet);
    bob = await connect(server, bobWallet);
  });

  afterAll(async () => {
    alice.close();
    bob.close();
    await server.stop();
  });

  afterEach(async () => {
    for (const c of extra.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.stop();
    server.dropSubmits = false;
    server.unansweredSubmits = false;
  });

  it('connects against a stand-in rippled: chain facts, address, public key, no withdraw or cooperative close', () => {
    expect(alice.chain).toBe('xrpl');
    expect(alice.chainId).toBe(0);
    expect(alice.contract).toBe('PayChannel');
    expect(alice.token).toBe('XRP');
    expect(alice.decimals).toBe(6);
    expect(alice.address).toBe(aliceWallet.classicAddress);
    expect(alice.publicKey).toBe(aliceWallet.publicKey);
    expect(alice.features).toEqual({ withdraw: false, cooperativeClose: false });
    expect(alice.settlementTimeoutRange).toEqual([3600, 365 * 24 * 3600]);
    expect(alice.isAddress(bob.address)).toBe(true);
    expect(alice.isAddress('0x1234')).toBe(false);
    expect(alice.sameAddress(bob.address, bob.address)).toBe(true);
    expect(alice.sameAddress(bob.address, bob.address.toLowerCase())).toBe(false);
  });

  it('reads network_id as chainId and puts NetworkID in transactions, against a stand-in rippled', async () => {
    const s = await StandInRippled.start({ networkId: 21338 });
    servers.push(s);
    s.fund(aliceWallet.classicAddress, 100n * XRP);
    s.fund(bobWallet.classicAddress, 100n * XRP);
    const a = await connect(s, aliceWallet);
    extra.push(a);
    expect(a.chainId).toBe(21338);
    await a.openChannel(bobWallet.classicAddress, 3600, 1n * XRP);
    expect(lastSubmitted(s).NetworkID).toBe(21338);
  });

  it('opens a channel (PaymentChannelCreate) and reads it back, against a stand-in rippled', async () => {
    const before = await alice.tokenBalance(alice.address);
    const r = await alice.openChannel(bob.address, 86_400, 50n * XRP);
    const sent = lastSubmitted(server);
    expect(sent).toMatchObject({ TransactionType: 'PaymentChannelCreate', Account: alice.address, Destination: bob.address, Amount: '50000000', SettleDelay: 86_400, PublicKey: alice.publicKey });
    expect(r.channelId).toBe(xrpl.hashes.hashPaymentChannel(alice.address, bob.address, sent.Sequence as number));
    expect(r.txHash).toMatch(/^[0-9A-F]{64}$/);
    expect(r.gasUsed).toBe(BigInt(sent.Fee as string));
    const ch = await bob.getChannel(r.channelId.toLowerCase());
    expect(ch).toEqual({
      channelId: r.channelId,
      sender: alice.address,
      receiver: bob.address,
      settlementTimeout: 86_400,
      state: 'open',
      closedAt: 0,
      deposit: 50n * XRP,
      withdrawn: 0n,
      claimed: 0n,
      nonce: 0n,
      publicKey: alice.publicKey,
    });
    expect(await alice.tokenBalance(alice.address)).toBe(before - 50n * XRP - r.gasUsed);
  });

  it('funds to a total deposit (PaymentChannelFund with the difference), one transaction at a time, against a stand-in rippled', async () => {
    const { channelId } = await alice.openChannel(bob.address, 3600, 10n * XRP);
    await alice.setTotalDeposit(channelId, 15n * XRP);
    expect(lastSubmitted(server)).toMatchObject({ TransactionType: 'PaymentChannelFund', Channel: channelId, Amount: '5000000' });
    // Concurrent calls queue: each reads the channel after the previous one is validated.
    await Promise.all([alice.setTotalDeposit(channelId, 20n * XRP), alice.setTotalDeposit(channelId, 22n * XRP)]);
    expect((await alice.getChannel(channelId)).deposit).toBe(22n * XRP);
    await expect(alice.setTotalDeposit(channelId, 22n * XRP)).rejects.toThrow(/already holds 22000000 \(a deposit can only grow\)/);
  });

  it('the receiver verifies the sender claim and redeems it with close; the sender is refunded, against a stand-in rippled', async () => {
    const from = await alice.blockNumber();
    const { channelId } = await alice.openChannel(bob.address, 3600, 20n * XRP);
    const ch = await bob.getChannel(channelId);
    const sig1 = alice.signBalanceProof(channelId, 1n, 2n * XRP);
    const sig2 = alice.signBalanceProof(channelId, 2n, 7n * XRP);
    expect(bob.verifyBalanceProof(ch, 2n, 7n * XRP, sig2)).toBe(true);
    expect(bob.verifyBalanceProof(ch, 2n, 8n * XRP, sig2)).toBe(false);
    expect(bob.verifyBalanceProof({ ...ch, publicKey: bob.publicKey }, 2n, 7n * XRP, sig2)).toBe(false);
    expect(bob.verifyBalanceProof({ ...ch, publicKey: undefined }, 2n, 7n * XRP, sig2)).toBe(false);
    // A signature by the receiver itself is no claim.
    expect(bob.verifyBalanceProof(ch, 2n, 7n * XRP, bob.signBalanceProof(channelId, 2n, 7n * XRP))).toBe(false);

    const bobBefore = await bob.tokenBalance(bob.address);
    const aliceBefore = await alice.tokenBalance(alice.address);
    const r1 = await bob.claim(channelId, 1n, 2n * XRP, sig1);
    expect(lastSubmitted(server)).toMatchObject({ TransactionType: 'PaymentChannelClaim', Account: bob.address, Channel: channelId, Balance: '2000000', Amount: '2000000', Signature: sig1, PublicKey: alice.publicKey });
    expect((await bob.getChannel(channelId)).claimed).toBe(2n * XRP);
    const r2 = await bob.claim(channelId, 2n, 7n * XRP, sig2, true);
    expect(lastSubmitted(server)).toMatchObject({ Balance: '7000000', Flags: TF_CLOSE });
    expect(server.channel(channelId)).toBeUndefined();
    // The ledger deleted it; bob's adapter saw the deletion in its own transaction's metadata and
    // reads the final state: settled, with what was paid out.
    expect(await bob.getChannel(channelId)).toMatchObject({ state: 'settled', claimed: 7n * XRP, deposit: 20n * XRP, sender: alice.address, receiver: bob.address, publicKey: alice.publicKey });
    // alice has not read the ledger since: to her it is simply gone (the engine then settles it from
    // what it knows) ...
    expect((await alice.getChannel(channelId)).state).toBe('none');
    // ... until her poll reads the deleting transaction: then she knows what bob was paid.
    await alice.poll(from, [channelId]);
    expect(await alice.getChannel(channelId)).toMatchObject({ state: 'settled', claimed: 7n * XRP, deposit: 20n * XRP });
    expect(await bob.tokenBalance(bob.address)).toBe(bobBefore + 7n * XRP - r1.gasUsed - r2.gasUsed);
    expect(await alice.tokenBalance(alice.address)).toBe(aliceBefore + 13n * XRP);
  });

  it('a claim no higher than what was redeemed: close only, or a clear error, against a stand-in rippled', async () => {
    const { channelId } = await alice.openChannel(bob.address, 3600, 5n * XRP);
    const sig = alice.signBalanceProof(channelId, 1n, 1n * XRP);
    await bob.claim(channelId, 1n, 1n * XRP, sig);
    await expect(bob.claim(channelId, 1n, 1n * XRP, sig)).rejects.toThrow(/nothing to redeem.*1000000 drops are already paid out/);
    await expect(bob.claim(channelId, 1n, 6n * XRP, alice.signBalanceProof(channelId, 2n, 6n * XRP))).rejects.toThrow(/holds only 5000000/);
    await bob.claim(channelId, 1n, 1n * XRP, sig, true);
    expect(lastSubmitted(server).Balance).toBeUndefined();
    expect(await bob.getChannel(channelId)).toMatchObject({ state: 'settled', claimed: 1n * XRP });
  });

  it('sender close starts the SettleDelay; settle before expiry is refused, after it deletes the channel, against a stand-in rippled', async () => {
    const { channelId } = await alice.openChannel(bob.address, 3600, 10n * XRP);
    await bob.claim(channelId, 1n, 3n * XRP, alice.signBalanceProof(channelId, 1n, 3n * XRP));
    const t0 = Math.floor(Date.now() / 1000);
    await alice.closeChannel(channelId);
    const closing = await bob.getChannel(channelId);
    expect(closing.state).toBe('closing');
    expect(closing.settlementTimeout).toBe(3600);
    expect(Math.abs(closing.closedAt - t0)).toBeLessThanOrEqual(3);
    await expect(alice.settleChannel(channelId)).rejects.toThrow(/cannot settle channel .* yet: it expires at/);
    // The receiver can still redeem while closing.
    await bob.claim(channelId, 2n, 4n * XRP, alice.signBalanceProof(channelId, 2n, 4n * XRP));
    const before = await alice.tokenBalance(alice.address);
    server.advanceTime(3601);
    await new Promise((r) => setTimeout(r, 250)); // a ledger closes with the new time
    const s = await alice.settleChannel(channelId);
    expect(lastSubmitted(server)).toMatchObject({ TransactionType: 'PaymentChannelClaim', Account: alice.address, Channel: channelId, Flags: TF_CLOSE });
    expect(server.channel(channelId)).toBeUndefined();
    const settled = await alice.getChannel(channelId);
    expect(settled).toMatchObject({ state: 'settled', claimed: 4n * XRP, deposit: 10n * XRP });
    expect(settled.closedAt).toBe(closing.closedAt);
    expect(await alice.tokenBalance(alice.address)).toBe(before + 6n * XRP - s.gasUsed);
    await expect(alice.settleChannel(channelId)).rejects.toThrow(/cannot settle channel .*: it is settled/);
  });

  it('a claim on an expired channel pays nothing (the ledger deletes it): an error, and the channel reads settled, against a stand-in rippled', async () => {
    const { channelId } = await alice.openChannel(bob.address, 3600, 5n * XRP);
    await bob.claim(channelId, 1n, 1n * XRP, alice.signBalanceProof(channelId, 1n, 1n * XRP));
    await alice.closeChannel(channelId);
    server.advanceTime(3601);
    await new Promise((r) => setTimeout(r, 250));
    const err = (await bob.claim(channelId, 2n, 2n * XRP, alice.signBalanceProof(channelId, 2n, 2n * XRP)).catch((e: unknown) => e)) as XrplCallError;
    expect(err).toBeInstanceOf(XrplCallError);
    expect(err.message).toMatch(/^PaymentChannelClaim [0-9A-F]{64} paid nothing: channel [0-9A-F]{64} had expired .* paying out 1000000 drops in all/);
    expect(server.channel(channelId)).toBeUndefined();
    expect(await bob.getChannel(channelId)).toMatchObject({ state: 'settled', claimed: 1n * XRP, deposit: 5n * XRP });
  });

  it('the receiver close is immediate, against a stand-in rippled', async () => {
    const { channelId } = await alice.openChannel(bob.address, 3600, 2n * XRP);
    await bob.closeChannel(channelId);
    expect(server.channel(channelId)).toBeUndefined();
    expect((await alice.getChannel(channelId)).state).toBe('none');
  });

  it('getChannel: none for an unknown channel, an error for a malformed id, against a stand-in rippled', async () => {
    const none = await alice.getChannel('AB'.repeat(32));
    expect(none.state).toBe('none');
    expect(none.deposit).toBe(0n);
    await expect(alice.getChannel('0x1234')).rejects.toThrow(/not an XRPL channel id \(64 hex digits\)/);
  });

  it('poll reports channel events of our account since a ledger, up to the latest validated, against a stand-in rippled', async () => {
    const from = await alice.blockNumber();
    const { channelId } = await alice.openChannel(bob.address, 3600, 4n * XRP);
    await alice.setTotalDeposit(channelId, 5n * XRP);
    await bob.claim(channelId, 1n, 1n * XRP, alice.signBalanceProof(channelId, 1n, 1n * XRP));
    await bob.claim(channelId, 2n, 2n * XRP, alice.signBalanceProof(channelId, 2n, 2n * XRP), true);
    for (const side of [alice, bob]) {
      const p = await side.poll(from, []);
      expect(p.toBlock).toBeGreaterThan(from);
      expect(Math.abs(p.timestamp - server.lastCloseTime)).toBeLessThanOrEqual(1);
      const mine = p.events.filter((e) => e.channelId === channelId);
      expect(mine.map((e) => e.name)).toEqual(['ChannelOpened', 'ChannelFunded', 'ChannelClaimed', 'ChannelSettled']);
      expect(mine[0]).toMatchObject({ sender: alice.address, receiver: bob.address });
      for (const e of mine) {
        expect(e.blockNumber).toBeGreaterThan(from);
        expect(e.blockNumber).toBeLessThanOrEqual(p.toBlock);
        expect(e.txHash).toMatch(/^[0-9A-F]{64}$/);
      }
      const again = await side.poll(p.toBlock, []);
      expect(again.events.filter((e) => e.channelId === channelId)).toEqual([]);
    }
    // A failed transaction names no event.
    const f2 = await alice.blockNumber();
    await expect(bob.claim(channelId, 3n, 3n * XRP, 'AB')).rejects.toThrow();
    expect((await bob.poll(f2, [])).events).toEqual([]);
  });

  it('poll from a ledger the server no longer holds reads what it has and names every watched channel, against a stand-in rippled', async () => {
    const from = await alice.blockNumber();
    const { channelId } = await alice.openChannel(bob.address, 3600, 1n * XRP);
    server.historyFrom = from + 2;
    try {
      const watched = ['CD'.repeat(32), 'not an id'];
      const p = await alice.poll(from, watched);
      expect(p.events.filter((e) => e.name === 'ChannelMaybeChanged').map((e) => e.channelId)).toEqual(['CD'.repeat(32)]);
      expect(p.toBlock).toBeGreaterThan(from);
      // Whatever the server still holds is read: the open is reported when its ledger is among them.
      const openedIn = p.events.find((e) => e.name === 'ChannelOpened' && e.channelId === channelId)?.blockNumber;
      if (openedIn !== undefined) expect(openedIn).toBeGreaterThanOrEqual(server.historyFrom);
    } finally {
      server.historyFrom = 0;
    }
  });

  it('tokenBalance is 0 for an account the ledger does not hold, against a stand-in rippled', async () => {
    expect(await alice.tokenBalance(carolWallet.classicAddress)).toBe(0n);
    expect(await alice.tokenBalance(alice.address)).toBeGreaterThan(0n);
  });

  it('a tec result is an error naming the hash, the code and its meaning, against a stand-in rippled', async () => {
    const err = (await alice.openChannel(carolWallet.classicAddress, 3600, 1n * XRP).catch((e: unknown) => e)) as XrplCallError;
    expect(err).toBeInstanceOf(XrplCallError);
    expect(err.resultCode).toBe('tecNO_DST');
    expect(err.message).toMatch(/^PaymentChannelCreate [0-9A-F]{64} failed in ledger \d+: tecNO_DST: the destination account does not exist/);
    expect(err.txHash).toMatch(/^[0-9A-F]{64}$/);
    // The next transaction still gets the right sequence number.
    await alice.openChannel(bob.address, 3600, 1n * XRP);
  });

  it('a tem result (a forged claim) is refused at submit with the code, against a stand-in rippled', async () => {
    const { channelId } = await alice.openChannel(bob.address, 3600, 3n * XRP);
    const forged = bob.signBalanceProof(channelId, 1n, 1n * XRP);
    const err = (await bob.claim(channelId, 1n, 1n * XRP, forged).catch((e: unknown) => e)) as XrplCallError;
    expect(err.resultCode).toBe('temBAD_SIGNATURE');
    expect(err.message).toMatch(/PaymentChannelClaim [0-9A-F]{64} was refused: temBAD_SIGNATURE: the claim signature does not verify/);
    expect((await bob.getChannel(channelId)).claimed).toBe(0n);
  });

  it('a transaction no validated ledger holds expires after its LastLedgerSequence with a clear error, against a stand-in rippled', async () => {
    server.dropSubmits = true;
    const err = (await alice.openChannel(bob.address, 3600, 1n * XRP).catch((e: unknown) => e)) as XrplCallError;
    expect(err).toBeInstanceOf(XrplCallError);
    expect(err.message).toMatch(/^PaymentChannelCreate [0-9A-F]{64} expired: no validated ledger up to its LastLedgerSequence \d+ holds it/);
    server.dropSubmits = false;
    await alice.openChannel(bob.address, 3600, 1n * XRP);
  });

  it('a submit that gets no answer is followed by its hash until validated, against a stand-in rippled', async () => {
    const a = await connect(server, aliceWallet, { requestTimeoutMs: 500 });
    extra.push(a);
    server.unansweredSubmits = true;
    try {
      const r = await a.openChannel(bob.address, 3600, 1n * XRP);
      expect((await bob.getChannel(r.channelId)).state).toBe('open');
    } finally {
      server.unansweredSubmits = false;
    }
  });

  it('reconnects after the socket drops, against a stand-in rippled', async () => {
    const before = await alice.blockNumber();
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect(await alice.blockNumber()).toBeGreaterThanOrEqual(before);
    const { channelId } = await alice.openChannel(bob.address, 3600, 1n * XRP);
    expect((await bob.getChannel(channelId)).state).toBe('open');
  });

  it('a server that is gone gives errors, not hangs, and the adapter recovers when it is back, against a stand-in rippled', async () => {
    const s = await StandInRippled.start();
    s.fund(aliceWallet.classicAddress, 10n * XRP);
    const a = await connect(s, aliceWallet, { requestTimeoutMs: 500 });
    extra.push(a);
    const port = new URL(s.url).port;
    await s.stop();
    const t0 = Date.now();
    await expect(a.blockNumber()).rejects.toThrow(XrplCallError);
    await expect(a.getChannel('AB'.repeat(32))).rejects.toThrow(/cannot be reached|timed out|failed/);
    expect(Date.now() - t0).toBeLessThan(5000);
    // Back on the same port (a restarted rippled).
    const back = await StandInRippled.start({ port: Number(port) });
    servers.push(back);
    expect(await a.blockNumber()).toBeGreaterThan(0);
  });

  it('refuses bad arguments before any transaction, against a stand-in rippled', async () => {
    const n = server.submitted.length;
    await expect(alice.openChannel('0xabc', 3600, 1n)).rejects.toThrow(/not a classic XRP Ledger address/);
    await expect(alice.openChannel(alice.address, 3600, 1n)).rejects.toThrow(/to our own account/);
    await expect(alice.openChannel(bob.address, 10, 1n)).rejects.toThrow(/settle delay must be whole seconds in 3600\.\.31536000, got 10/);
    await expect(alice.openChannel(bob.address, 3600, 0n)).rejects.toThrow(/positive number of drops/);
    await expect(alice.setTotalDeposit('AB'.repeat(32), 5n)).rejects.toThrow(/not on the ledger/);
    expect(server.submitted.length).toBe(n);
  });

  it('a wrong seed or an unreachable server fails connect with a message saying so, against a stand-in rippled', async () => {
    await expect(XrplChain.connect({ server: server.url, seed: 'not-a-seed', logger })).rejects.toThrow(/not a valid XRP Ledger family seed/);
    await expect(XrplChain.connect({ server: 'ws://127.0.0.1:1', seed: aliceWallet.seed ?? '', logger, requestTimeoutMs: 1000 })).rejects.toThrow(
      /cannot use the XRP Ledger server at ws:\/\/127\.0\.0\.1:1/,
    );
  });
});
