/**
 * XRPL transaction intents against a STAND-IN rippled (stand-ins/rippled.ts; it proves our client
 * logic, not the XRP Ledger), with the settlement store on disk (LevelDB in a tmp dir):
 * - only a validated ledger decides: a transaction the open ledger holds is not done;
 * - each transaction's intent (signed blob, hash, sequence) is in the store before it is submitted,
 *   and gone once a validated ledger decided it;
 * - crash states made by hand, then a new adapter over the reopened store (a restart): killed between
 *   persist and submit, between submit and validation, after validation; superseded; expired. Each is
 *   reconciled by hash, then by account sequence, and nothing is applied twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as xrpl from 'xrpl';
import type { TxReport } from '../../src/settlement/chains/evm/sender.js';
import { XrplChain } from '../../src/settlement/chains/xrpl/xrpl-chain.js';
import { SettlementStore, type TxIntent } from '../../src/settlement/store.js';
import { waitFor } from '../helpers/node.js';
import { StandInRippled } from './stand-ins/rippled.js';

const XRP = 1_000_000n;
const logger = pino({ level: 'silent' });

describe('XRPL intents and finality against a stand-in rippled', () => {
  let server: StandInRippled;
  let dir: string;
  let store: SettlementStore;
  const adapters: XrplChain[] = [];
  const reports: TxReport[] = [];
  let n = 0;

  /** A fresh funded payer and payee, so cases do not share sequences. */
  function wallets(): { payer: xrpl.Wallet; payee: xrpl.Wallet } {
    n += 1;
    const payer = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(60 + 2 * n), { algorithm: 'ed25519' as xrpl.ECDSA });
    const payee = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(61 + 2 * n), { algorithm: 'ed25519' as xrpl.ECDSA });
    server.fund(payer.classicAddress, 1000n * XRP);
    server.fund(payee.classicAddress, 1000n * XRP);
    return { payer, payee };
  }

  async function connect(w: xrpl.Wallet, intents: SettlementStore | { putIntent: SettlementStore['putIntent']; removeIntent: SettlementStore['removeIntent']; intents: SettlementStore['intents'] } = store): Promise<XrplChain> {
    const c = await XrplChain.connect({ server: server.url, seed: w.seed ?? '', logger, validationPollMs: 50, requestTimeoutMs: 5000, hooks: { intents, onTx: (r) => reports.push(r) } });
    adapters.push(c);
    return c;
  }

  /** The store closed and opened again from disk (what a restart reads). */
  async function reopen(): Promise<void> {
    await store.close();
    store = await SettlementStore.open(dir);
  }

  const ours = async (w: xrpl.Wallet): Promise<TxIntent[]> => (await store.intents('xrpl')).filter((i) => i.from === w.classicAddress);
  const submittedCount = (blob: string): number => server.submitted.filter((b) => b === blob).length;

  /** A channel from payer to payee with 10 XRP, validated. */
  async function channel(payer: XrplChain, payee: xrpl.Wallet): Promise<string> {
    return (await payer.openChannel(payee.classicAddress, 3600, 10n * XRP)).channelId;
  }

  beforeAll(async () => {
    server = await StandInRippled.start({ closeEveryMs: 100 });
    dir = mkdtempSync(join(tmpdir(), 'xrpl-intents-'));
    store = await SettlementStore.open(dir);
  });

  afterEach(() => {
    server.resumeClosing();
    server.dropSubmits = false;
    for (const a of adapters.splice(0)) a.close();
    reports.length = 0;
  });

  afterAll(async () => {
    for (const a of adapters.splice(0)) a.close();
    await store?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stand-in: a fund is done only once a validated ledger holds it; its intent is on disk until then, with blob, hash and sequence', async () => {
    const { payer: pw, payee } = wallets();
    const payer = await connect(pw);
    const id = await channel(payer, payee);
    const manual = await StandInRippled.start({ closeEveryMs: 0 });
    try {
      manual.fund(pw.classicAddress, 1000n * XRP);
      manual.fund(payee.classicAddress, 1000n * XRP);
      const c = await XrplChain.connect({ server: manual.url, seed: pw.seed ?? '', logger, validationPollMs: 50, requestTimeoutMs: 5000, hooks: { intents: store } });
      adapters.push(c);
      const opening = c.openChannel(payee.classicAddress, 3600, 10n * XRP);
      await waitFor(() => manual.submitted.length === 1, 30_000, 'the create submitted');
      const [intent] = await ours(pw);
      const decoded = xrpl.decode(manual.submitted[0]);
      expect(intent).toMatchObject({ chain: 'xrpl', kind: 'PaymentChannelCreate', nonce: decoded.Sequence, from: pw.classicAddress });
      expect(intent.txs[0].raw).toBe(manual.submitted[0]);
      expect(intent.txs[0].hash).toBe(xrpl.hashes.hashSignedTx(manual.submitted[0]));
      let done = false;
      void opening.then(() => (done = true));
      // In the open ledger (tesSUCCESS preliminary) but no ledger validated: not done, intent kept.
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      expect(await ours(pw)).toHaveLength(1);
      manual.closeLedger();
      const { channelId } = await opening;
      expect(manual.channel(channelId)?.Amount).toBe(10n * XRP);
      expect(await ours(pw)).toEqual([]);
    } finally {
      await manual.stop();
    }
    expect(id).toMatch(/^[0-9A-F]{64}$/);
  });

  it('stand-in: killed between persist and submit; after restart the same signed fund is submitted once and the deposit grows once', async () => {
    const { payer: pw, payee } = wallets();
    const first = await connect(pw);
    const id = await channel(first, payee);
    // The intent reaches the disk, then the process dies before submitting it.
    const dying = { putIntent: async (i: TxIntent) => { await store.putIntent(i); throw new Error('killed after persisting the intent'); }, removeIntent: (i: TxIntent) => store.removeIntent(i), intents: (c: 'evm' | 'xrpl' | 'aptos') => store.intents(c) };
    const crashing = await connect(pw, dying);
    server.pauseClosing(); // no ledger closes while "down": its LastLedgerSequence cannot pass however slow the restart
    await expect(crashing.setTotalDeposit(id, 15n * XRP)).rejects.toThrow(/killed/);
    crashing.close();
    await reopen();
    const [left] = await ours(pw);
    expect(left).toMatchObject({ kind: 'PaymentChannelFund', channelId: id, amount: (15n * XRP).toString() });
    expect(submittedCount(left.txs[0].raw)).toBe(0);

    const restarted = await connect(pw);
    await restarted.recoverIntents();
    server.resumeClosing();
    await waitFor(async () => (await ours(pw)).length === 0, 30_000, 'the recovered fund decided');
    expect(reports.filter((r) => r.txHash === left.txs[0].hash).map((r) => r.outcome)).toEqual(['resent', 'mined']);
    expect(submittedCount(left.txs[0].raw)).toBe(1);
    await waitFor(() => server.channel(id)?.Amount === 15n * XRP, 30_000, 'deposit 15 XRP on the validated ledger');
    // Later transactions go after it, with the next sequence: the deposit only grows as asked.
    await restarted.setTotalDeposit(id, 16n * XRP);
    expect(server.channel(id)?.Amount).toBe(16n * XRP);
  });

  it('stand-in: killed between submit and validation; after restart it is followed by hash, submitted again as signed, applied once', async () => {
    const { payer: pw, payee } = wallets();
    const first = await connect(pw);
    const id = await channel(first, payee);
    const before = server.balance(pw.classicAddress) ?? 0n;
    server.pauseClosing(); // no ledger closes while "down": its LastLedgerSequence cannot pass however slow the restart
    server.dropSubmits = true; // the submit is answered but never reaches a ledger: still open at the crash
    const sending = first.setTotalDeposit(id, 12n * XRP);
    sending.catch(() => undefined);
    const [left] = await waitFor(async () => ((await ours(pw)).length === 1 && server.submitted.length > 0 ? ours(pw) : undefined), 30_000, 'fund submitted');
    await waitFor(() => submittedCount(left.txs[0].raw) === 1, 30_000, 'the fund submitted');
    first.close(); // killed: the follow-up dies with the connection
    server.dropSubmits = false;
    await reopen();
    expect(await ours(pw)).toHaveLength(1);

    const restarted = await connect(pw);
    await restarted.recoverIntents();
    server.resumeClosing();
    await waitFor(async () => (await ours(pw)).length === 0, 30_000, 'the recovered fund decided');
    expect(reports.filter((r) => r.txHash === left.txs[0].hash).map((r) => r.outcome)).toEqual(['sent', 'resent', 'mined']);
    expect(submittedCount(left.txs[0].raw)).toBe(2); // the same signed bytes: one sequence, applied once
    expect(server.channel(id)?.Amount).toBe(12n * XRP);
    // Paid once: 2 XRP into the channel and one fee, nothing more.
    expect(before - (server.balance(pw.classicAddress) ?? 0n)).toBe(2n * XRP + BigInt(String(xrpl.decode(left.txs[0].raw).Fee)));
  });

  it('stand-in: killed after validation, before the intent was removed; after restart it is found by hash and not sent again', async () => {
    const { payer: pw, payee } = wallets();
    const first = await connect(pw);
    const id = await channel(first, payee);
    const keep = { putIntent: (i: TxIntent) => store.putIntent(i), removeIntent: () => Promise.resolve(), intents: (c: 'evm' | 'xrpl' | 'aptos') => store.intents(c) };
    const dies = await connect(pw, keep);
    await dies.setTotalDeposit(id, 11n * XRP);
    dies.close();
    await reopen();
    const [left] = await ours(pw);
    const restarted = await connect(pw);
    await restarted.recoverIntents();
    expect(reports.filter((r) => r.txHash === left.txs[0].hash).map((r) => r.outcome)).toEqual(['sent', 'mined', 'mined']);
    expect(await ours(pw)).toEqual([]);
    expect(submittedCount(left.txs[0].raw)).toBe(1);
    expect(server.channel(id)?.Amount).toBe(11n * XRP);
  });

  it('stand-in: an intent whose sequence another validated transaction used is superseded; one past its LastLedgerSequence failed (expired); neither is submitted', async () => {
    const { payer: pw, payee } = wallets();
    const first = await connect(pw);
    const id = await channel(first, payee);
    const seq = Number(xrpl.decode(server.submitted[server.submitted.length - 1]).Sequence) + 1;
    const sign = (amount: bigint, sequence: number, last: number): TxIntent => {
      const s = pw.sign({ TransactionType: 'PaymentChannelFund', Account: pw.classicAddress, Channel: id, Amount: amount.toString(), Fee: '12', Sequence: sequence, LastLedgerSequence: last });
      return { chain: 'xrpl', kind: 'PaymentChannelFund', channelId: id, from: pw.classicAddress, nonce: sequence, txs: [{ hash: s.hash, raw: s.tx_blob, sentAt: Date.now() }], createdAt: Date.now() };
    };
    // +1 XRP with sequence `seq` went out and was validated; an intent for +3 XRP signed with the same
    // sequence (by another process with our key, say) was never sent.
    await first.setTotalDeposit(id, 11n * XRP);
    const lost = sign(3n * XRP, seq, server.validatedIndex + 50);
    await store.putIntent(lost);
    // Sequence seq+1 with a LastLedgerSequence already passed.
    const stale = sign(2n * XRP, seq + 1, server.validatedIndex - 1);
    await store.putIntent(stale);
    first.close();
    await reopen();
    const restarted = await connect(pw);
    await restarted.recoverIntents();
    expect(reports.filter((r) => r.txHash === lost.txs[0].hash).map((r) => r.outcome)).toEqual(['superseded']);
    expect(reports.filter((r) => r.txHash === stale.txs[0].hash)).toMatchObject([{ outcome: 'failed', reason: 'expired' }]);
    expect(submittedCount(lost.txs[0].raw) + submittedCount(stale.txs[0].raw)).toBe(0);
    expect(await ours(pw)).toEqual([]);
    expect(server.channel(id)?.Amount).toBe(11n * XRP);
  });
});
