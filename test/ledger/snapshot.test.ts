/**
 * Snapshots: export and import round trip, the fixture file, refusals, and the settlement helpers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LedgerError, entries, type LedgerSnapshot } from '../../src/ledger/index.js';
import { openLedger, waitFor } from './helpers.js';

const fixture = (): LedgerSnapshot => JSON.parse(readFileSync(new URL('../fixtures/ledger/snapshot-v1.json', import.meta.url), 'utf8')) as LedgerSnapshot;
const withoutTime = ({ exportedAt: _t, ...rest }: LedgerSnapshot) => rest;

describe('exportSnapshot / importSnapshot', () => {
  it('round-trips balances, checkpoints and journal through JSON', async () => {
    const a = await openLedger();
    for (let i = 0; i < 5; i++) {
      await a.commitAsync(entries.forward(`p${i}`, 'alice', 'bob', 1000n, 999n, { condition: Buffer.alloc(32, i), requestId: i }));
    }
    await a.commitAsync(entries.claimReceived('claim-in:alice:5000', 'alice', 5000n));
    await a.foldNow(Date.now() + 1);
    await a.commitAsync(entries.localSend('s1', 'bob', 42n));
    await a.commitAsync(entries.redeemIn('redeem-in:alice:tx1', 'alice', 5000n));
    const snap = await a.exportSnapshot();
    expect(snap.balances['peer:alice']).toBe('0');
    expect(snap.checkpoints['peer:alice']).toBe('0');
    expect(snap.journal.map((e) => e.id).sort()).toEqual(['redeem-in:alice:tx1', 's1']);
    expect(typeof snap.balances['peer:bob']).toBe('string');

    const b = await openLedger();
    await b.importSnapshot(JSON.parse(JSON.stringify(snap)) as LedgerSnapshot);
    expect(b.balances()).toEqual(a.balances());
    expect(withoutTime(await b.exportSnapshot())).toEqual(withoutTime(snap));
    expect(await b.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    // Imported ids are known: a replay books nothing.
    await b.commitAsync(entries.localSend('s1', 'bob', 42n));
    expect(b.balance('peer:bob')).toBe(a.balance('peer:bob'));
  });

  it('imports the v1 fixture file', async () => {
    const l = await openLedger();
    const changes: Map<string, bigint>[] = [];
    l.onBalanceChanged = (c) => changes.push(new Map(c));
    await l.importSnapshot(fixture());
    expect(l.balance('peer:bob')).toBe(-5999n);
    expect(l.balance('onchain')).toBe(3000n);
    expect(changes).toHaveLength(1);
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
    expect(await l.getEntry('pkt-1')).toMatchObject({ kind: 'packet', sourcePeer: 'alice', requestId: 7, condition: Buffer.alloc(32, 0xab), ts: 1767225600000 });
    expect(withoutTime(await l.exportSnapshot())).toEqual(withoutTime(fixture()));
    // The imported entries are older than the retention window: the next fold takes them.
    expect(await l.foldNow()).toBe(4);
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
  });

  it('imports while the background fold runs, which then folds the imported journal', async () => {
    const l = await openLedger({ journalRetentionMs: 0, compactIntervalMs: 1 });
    await l.importSnapshot(fixture());
    await waitFor(async () => (await l.exportSnapshot()).journal.length === 0, 10_000, 'the imported journal to be folded');
    const snap = await l.exportSnapshot();
    expect(snap.checkpoints).toEqual(snap.balances);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
  });

  it('books a balances-only snapshot as one import entry', async () => {
    const l = await openLedger();
    await l.importSnapshot({ format: 'agent-runtime-ledger', version: 1, exportedAt: '', balances: { 'peer:a': '7', agent: '-7' }, checkpoints: {}, journal: [] });
    const snap = await l.exportSnapshot();
    expect(snap.journal).toHaveLength(1);
    expect(snap.journal[0]).toMatchObject({ kind: 'import', postings: [{ account: 'peer:a', amount: '7' }, { account: 'agent', amount: '-7' }] });
    expect(await l.verify()).toMatchObject({ ok: true });
  });

  it('refuses to import into a ledger that holds data', async () => {
    const l = await openLedger();
    await l.commitAsync(entries.localDelivery('d', 'a', 1n));
    const err = await l.importSnapshot(fixture()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'LEDGER_NOT_EMPTY' });
    expect((err as Error).message).toMatch(/already holds 2 accounts and 1 journal entries/);
    expect((err as LedgerError).suggestion).toMatch(/empty data directory/);
  });

  it('refuses malformed or unbalanced snapshots and writes nothing', async () => {
    const l = await openLedger();
    const cases: [string, (s: LedgerSnapshot) => void, RegExp][] = [
      ['format', (s) => ((s as { format: string }).format = 'other'), /format must be/],
      ['amount', (s) => (s.balances.agent = '10.5'), /balances.agent must be a decimal string/],
      ['balance', (s) => (s.balances.agent = '11'), /balances sum to 1/],
      ['mismatch', (s) => ((s.balances.agent = '11'), (s.balances.onchain = '2999')), /balance of agent is 11 but checkpoints and journal add up to 10/],
      ['entry', (s) => (s.journal[0].postings[0].amount = '1001'), /postings sum to 1/],
      ['duplicate', (s) => s.journal.push(s.journal[0]), /appears twice/],
      ['account', (s) => (s.journal[1].postings[0].account = 'bank'), /not an account id/],
      ['condition', (s) => (s.journal[0].condition = 'xyz'), /condition must be hex/],
    ];
    for (const [name, mutate, message] of cases) {
      const s = fixture();
      mutate(s);
      const err = await l.importSnapshot(s).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'LEDGER_SNAPSHOT_INVALID' });
      expect((err as Error).message, name).toMatch(message);
    }
    expect(l.balances().size).toBe(0);
    await l.importSnapshot(fixture());
  });
});

describe('entry helpers', () => {
  it('book the postings of the design table', () => {
    const legs = (e: ReturnType<typeof entries.forward>) => e.postings.map((p) => [p.account, p.amount]);
    expect(legs(entries.forward('1', 'p', 'q', 1000n, 999n))).toEqual([
      ['peer:p', 1000n],
      ['peer:q', -999n],
      ['fees', -1n],
    ]);
    expect(legs(entries.forward('1', 'p', 'q', 5n, 5n))).toEqual([
      ['peer:p', 5n],
      ['peer:q', -5n],
    ]);
    expect(legs(entries.localDelivery('1', 'p', 5n))).toEqual([
      ['peer:p', 5n],
      ['agent', -5n],
    ]);
    expect(legs(entries.localSend('1', 'q', 5n))).toEqual([
      ['agent', 5n],
      ['peer:q', -5n],
    ]);
    expect(legs(entries.claimReceived('1', 'p', 5n))).toEqual([
      ['channelIn:p', 5n],
      ['peer:p', -5n],
    ]);
    expect(legs(entries.claimSent('1', 'q', 5n))).toEqual([
      ['peer:q', 5n],
      ['channelOut:q', -5n],
    ]);
    expect(legs(entries.redeemIn('1', 'p', 5n))).toEqual([
      ['onchain', 5n],
      ['channelIn:p', -5n],
    ]);
    expect(legs(entries.redeemOut('1', 'q', 5n))).toEqual([
      ['channelOut:q', 5n],
      ['onchain', -5n],
    ]);
    expect(entries.claimSent('1', 'q', 5n).kind).toBe('claim-sent');
    expect(entries.redeemOut('1', 'q', 5n, 99).ts).toBe(99);
    expect(() => entries.forward('1', 'p', 'q', 5n, 6n)).toThrow(/exceeds/);
    expect(() => entries.claimReceived('1', 'p', -5n)).toThrow(LedgerError);
  });

  it('a full settlement cycle brings every peer account back to zero', async () => {
    const l = await openLedger();
    await l.commitAsync(entries.forward('f1', 'p', 'q', 1000n, 990n));
    await l.commitAsync(entries.claimReceived('claim-in:p:1000', 'p', 1000n));
    await l.commitAsync(entries.claimSent('claim-out:q:990', 'q', 990n));
    await l.commitAsync(entries.redeemIn('redeem-in:p:tx', 'p', 1000n));
    await l.commitAsync(entries.redeemOut('redeem-out:q:tx', 'q', 990n));
    expect(Object.fromEntries(l.balances())).toEqual({
      'peer:p': 0n,
      'peer:q': 0n,
      fees: -10n,
      'channelIn:p': 0n,
      'channelOut:q': 0n,
      onchain: 10n,
    });
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
  });
});
