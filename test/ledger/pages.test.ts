/**
 * Journal pages (store format 3): a batch's packets (fresh ids) live inline in its page, one LevelDB
 * key per batch; entries whose ids may repeat keep their own `j` record, which the page names. Every
 * reader (verify, export, folding, lookups by id, start-up) sees both, and pages written by format 2
 * (bare id lists) are still read.
 */
import { describe, expect, it } from 'vitest';
import { entries, type JournalEntry } from '../../src/ledger/index.js';
import { PAGE_MARK, PAGE_MARK_V5, decodePage, encodeEntry, encodeI128, encodeIdList, prefixedKey, timeKey, PREFIX_BALANCE, META_KEY } from '../../src/ledger/codec.js';
import { openLedger, openRaw, tempDir } from './helpers.js';

const fresh = (e: JournalEntry): JournalEntry => ({ ...e, fresh: true });
const J = 0x6a;
const T = 0x74;

async function keysWithPrefix(dataDir: string, prefix: number): Promise<{ key: Buffer; value: Buffer }[]> {
  const raw = await openRaw(dataDir);
  const out: { key: Buffer; value: Buffer }[] = [];
  for await (const [key, value] of raw.iterator({ gte: Buffer.from([prefix]), lt: Buffer.from([prefix + 1]) })) out.push({ key, value });
  await raw.close();
  return out;
}

describe('journal pages', () => {
  it('stores a batch of packets inline in one page and a settlement entry under its own key', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    const commits = [
      l.commitAsync(fresh(entries.forward('pkt-1', 'a', 'b', 100n, 99n, { condition: Buffer.alloc(32, 1), requestId: 7 }))),
      l.commitAsync(fresh(entries.localDelivery('pkt-2', 'a', 5n))),
      l.commitAsync(entries.claimReceived('claim-in:ch:10', 'a', 10n)),
    ];
    await Promise.all(commits);
    await l.close();

    const journal = await keysWithPrefix(dataDir, J);
    expect(journal.map((r) => r.key.toString('utf8', 1))).toEqual(['claim-in:ch:10']);
    const pages = await keysWithPrefix(dataDir, T);
    expect(pages).toHaveLength(1);
    expect(pages[0].value[0]).toBe(PAGE_MARK_V5);
    const items = decodePage(pages[0].value);
    expect(items.map((i) => [i.id, i.value !== undefined])).toEqual([
      ['pkt-1', true],
      ['pkt-2', true],
      ['claim-in:ch:10', false],
    ]);

    const again = await openLedger({ dataDir });
    expect(again.balance('peer:a')).toBe(105n - 10n);
    expect(await again.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    expect(await again.getEntry('pkt-1')).toMatchObject({ kind: 'packet', requestId: 7, condition: Buffer.alloc(32, 1), postings: [{ account: 'peer:a', amount: 100n }, { account: 'peer:b', amount: -99n }, { account: 'fees', amount: -1n }] });
    expect(await again.getEntry('claim-in:ch:10')).toMatchObject({ kind: 'claim-received' });
    expect(await again.getEntry('pkt-404')).toBeUndefined();
    const snap = await again.exportSnapshot();
    expect(snap.journal.map((e) => e.id).sort()).toEqual(['claim-in:ch:10', 'pkt-1', 'pkt-2']);
  });

  it('a replayed settlement entry is still found by id and books nothing', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    await l.commitAsync(entries.claimSent('claim-out:ch:5', 'b', 5n));
    await l.close();
    const again = await openLedger({ dataDir, recentIdCapacity: 0 });
    await again.commitAsync(entries.claimSent('claim-out:ch:5', 'b', 5n));
    expect(again.balance('peer:b')).toBe(5n);
  });

  it('folds inline packets and referenced entries into checkpoints and deletes both', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    await Promise.all([
      l.commitAsync(fresh(entries.forward('f-1', 'a', 'b', 40n, 40n))),
      l.commitAsync(entries.claimReceived('claim-in:x:3', 'a', 3n)),
    ]);
    await l.commitAsync(fresh(entries.forward('f-2', 'b', 'a', 15n, 15n)));
    expect(await l.foldNow(Date.now() + 1)).toBe(3);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    expect(await l.getEntry('f-1')).toBeUndefined();
    await l.close();
    expect(await keysWithPrefix(dataDir, J)).toEqual([]);
    expect(await keysWithPrefix(dataDir, T)).toEqual([]);
    const again = await openLedger({ dataDir });
    expect(again.balance('peer:a')).toBe(40n - 3n - 15n);
    expect(await again.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
  });

  it('reads a format-2 store (id lists, every entry under j) next to new pages, and folds both', async () => {
    const dataDir = tempDir();
    const raw = await openRaw(dataDir);
    const e = entries.forward('v2-pkt', 'a', 'b', 500n, 500n);
    const ts = Date.now() - 60_000;
    await raw.batch([
      { type: 'put', key: META_KEY, value: Buffer.from(JSON.stringify({ format: 'agent-runtime-ledger', version: 2, createdAt: '2026-01-01T00:00:00.000Z' })) },
      { type: 'put', key: prefixedKey(J, e.id), value: encodeEntry(e, ts) },
      { type: 'put', key: timeKey(ts, e.id), value: encodeIdList([e.id]) },
      { type: 'put', key: prefixedKey(PREFIX_BALANCE, 'peer:a'), value: encodeI128(500n) },
      { type: 'put', key: prefixedKey(PREFIX_BALANCE, 'peer:b'), value: encodeI128(-500n) },
    ]);
    await raw.close();
    const l = await openLedger({ dataDir });
    await l.commitAsync(fresh(entries.forward('v3-pkt', 'b', 'a', 20n, 20n)));
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    expect((await l.exportSnapshot()).journal.map((x) => x.id).sort()).toEqual(['v2-pkt', 'v3-pkt']);
    expect(await l.getEntry('v2-pkt')).toMatchObject({ kind: 'packet' });
    expect(await l.foldNow(Date.now() + 1)).toBe(2);
    expect(l.balance('peer:a')).toBe(480n);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
  });

  it('refuses a page with an unknown item kind instead of misreading it', () => {
    expect(() => decodePage(Buffer.from([PAGE_MARK, 9, 0, 1, 0x61]))).toThrow(/unknown journal page item kind 9/);
  });
});
