/**
 * Opt-in: XrplChain against a REAL rippled, when XRPL_URL is set (skipped otherwise). Meant for rippled
 * in standalone mode (src/settlement/README.md, "XRP Ledger"): accounts are funded from the standalone
 * genesis account, and ledgers are closed with `ledger_accept` (an admin command) every 200 ms, so
 * the server must accept admin commands from this machine.
 *
 *   XRPL_URL=ws://127.0.0.1:6006 npx vitest run test/settlement/xrpl-real.test.ts
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as xrpl from 'xrpl';
import { XrplCallError, XrplChain } from '../../src/settlement/chains/xrpl/xrpl-chain.js';

const URL = process.env.XRPL_URL;
/** The genesis account of a standalone rippled (rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh). */
const GENESIS_SEED = 'snoPBrXtMeMyMHUVTgbuqAfg1SUTb';
const XRP = 1_000_000n;
const logger = pino({ level: 'silent' });

describe.skipIf(URL === undefined)('XrplChain against a real rippled (XRPL_URL)', () => {
  let admin: xrpl.Client;
  let ticker: NodeJS.Timeout | undefined;
  let alice: XrplChain;
  let bob: XrplChain;
  const aliceWallet = xrpl.Wallet.generate('ed25519' as xrpl.ECDSA);
  const bobWallet = xrpl.Wallet.generate('ecdsa-secp256k1' as xrpl.ECDSA);

  async function fund(address: string, drops: bigint): Promise<void> {
    const genesis = xrpl.Wallet.fromSeed(GENESIS_SEED);
    const tx = await admin.autofill({ TransactionType: 'Payment', Account: genesis.classicAddress, Destination: address, Amount: drops.toString() });
    const res = await admin.submitAndWait(genesis.sign(tx).tx_blob);
    const meta = res.result.meta;
    expect(typeof meta === 'object' ? meta.TransactionResult : meta).toBe('tesSUCCESS');
  }

  beforeAll(async () => {
    admin = new xrpl.Client(URL ?? '', { timeout: 10_000 });
    await admin.connect();
    // Standalone rippled closes a ledger only when told to.
    await admin.request({ command: 'ledger_accept' } as never);
    ticker = setInterval(() => void admin.request({ command: 'ledger_accept' } as never).catch(() => undefined), 200);
    await fund(aliceWallet.classicAddress, 1000n * XRP);
    await fund(bobWallet.classicAddress, 1000n * XRP);
    alice = await XrplChain.connect({ server: URL ?? '', seed: aliceWallet.seed ?? '', logger, validationPollMs: 200, requestTimeoutMs: 10_000 });
    bob = await XrplChain.connect({ server: URL ?? '', seed: bobWallet.seed ?? '', logger, validationPollMs: 200, requestTimeoutMs: 10_000 });
  }, 60_000);

  afterAll(async () => {
    if (ticker !== undefined) clearInterval(ticker);
    alice?.close();
    bob?.close();
    await admin?.disconnect();
  });

  it('open, fund, claim, claim with close; the payer reads what was paid from its poll', async () => {
    const from = await alice.blockNumber();
    const { channelId } = await alice.openChannel(bob.address, 3600, 10n * XRP);
    const ch = await bob.getChannel(channelId);
    expect(ch).toMatchObject({ sender: alice.address, receiver: bob.address, state: 'open', deposit: 10n * XRP, claimed: 0n, settlementTimeout: 3600, publicKey: alice.publicKey });
    await alice.setTotalDeposit(channelId, 12n * XRP);
    expect((await bob.getChannel(channelId)).deposit).toBe(12n * XRP);

    const sig3 = alice.signBalanceProof(channelId, 1n, 3n * XRP);
    expect(bob.verifyBalanceProof(ch, 1n, 3n * XRP, sig3)).toBe(true);
    const before = await bob.tokenBalance(bob.address);
    const r1 = await bob.claim(channelId, 1n, 3n * XRP, sig3);
    expect((await bob.getChannel(channelId)).claimed).toBe(3n * XRP);
    expect(await bob.tokenBalance(bob.address)).toBe(before + 3n * XRP - r1.gasUsed);

    const sig5 = alice.signBalanceProof(channelId, 2n, 5n * XRP);
    await bob.claim(channelId, 2n, 5n * XRP, sig5, true);
    expect(await bob.getChannel(channelId)).toMatchObject({ state: 'settled', claimed: 5n * XRP });

    const p = await alice.poll(from, [channelId]);
    expect(p.events.filter((e) => e.channelId === channelId).map((e) => e.name)).toEqual(['ChannelOpened', 'ChannelFunded', 'ChannelClaimed', 'ChannelSettled']);
    expect(await alice.getChannel(channelId)).toMatchObject({ state: 'settled', claimed: 5n * XRP, deposit: 12n * XRP });
  }, 60_000);

  it('the sender close starts the SettleDelay; settling before it ends is refused', async () => {
    const { channelId } = await alice.openChannel(bob.address, 3600, 2n * XRP);
    await alice.closeChannel(channelId);
    const c = await bob.getChannel(channelId);
    expect(c.state).toBe('closing');
    expect(Math.abs(c.closedAt - Date.now() / 1000)).toBeLessThan(60);
    await expect(alice.settleChannel(channelId)).rejects.toThrow(/cannot settle channel .* yet/);
  }, 60_000);

  it('ledger refusals come back with their result codes: tecNO_DST, temBAD_SIGNATURE', async () => {
    const nobody = xrpl.Wallet.generate();
    const e1 = (await alice.openChannel(nobody.classicAddress, 3600, 1n * XRP).catch((e: unknown) => e)) as XrplCallError;
    expect(e1).toBeInstanceOf(XrplCallError);
    expect(e1.resultCode).toBe('tecNO_DST');
    const { channelId } = await alice.openChannel(bob.address, 3600, 2n * XRP);
    const forged = bob.signBalanceProof(channelId, 1n, 1n * XRP);
    const e2 = (await bob.claim(channelId, 1n, 1n * XRP, forged).catch((e: unknown) => e)) as XrplCallError;
    expect(e2.resultCode).toBe('temBAD_SIGNATURE');
  }, 60_000);
});
