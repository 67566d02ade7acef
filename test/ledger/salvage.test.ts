/**
 * Recovery over real stores on disk: scheduled verified snapshots (ledger.snapshot), and `ledger
 * salvage` rebuilding a damaged store from its intact pages plus the newest snapshot, reporting the
 * gap per account, through the real CLI command.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, entries } from '../../src/ledger/index.js';
import { listSnapshots } from '../../src/ledger/snapshot-files.js';
import { planImport } from '../../src/ledger/snapshot.js';
import { salvage } from '../../src/ledger/salvage.js';
import { json, run } from '../cli/run-command.js';
import { openLedger, openRaw, tempDir, waitFor } from './helpers.js';

/** Damages the journal page holding entry `id` (its own CRC then fails; LevelDB's CRCs stay valid). */
async function damagePage(dataDir: string, id: string): Promise<void> {
  const raw = await openRaw(dataDir);
  try {
    for await (const [k, v] of raw.iterator({ gte: Buffer.from('t'), lt: Buffer.from('u') })) {
      if (!v.includes(Buffer.from(id))) continue;
      const bad = Buffer.from(v);
      bad[bad.length - 1] ^= 1;
      await raw.put(k, bad);
      return;
    }
    throw new Error(`no page holds ${id}`);
  } finally {
    await raw.close();
  }
}

describe('scheduled snapshots', () => {
  it('writes verified snapshots every intervalMs and keeps the newest `keep`', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir, snapshot: { intervalMs: 40, keep: 2 } });
    const written: string[] = [];
    l.snapshotHooks = { written: (info) => written.push(info.file) };
    await l.commitAsync(entries.forward('s-1', 'alice', 'bob', 10n, 9n));
    await waitFor(() => written.length >= 4, 20_000, 'four snapshots');
    await l.close();
    const files = listSnapshots(dataDir);
    expect(files).toHaveLength(2);
    for (const f of files) {
      const plan = planImport(JSON.parse(readFileSync(f, 'utf8')));
      expect(plan.balances.get('peer:alice')).toBe(10n);
    }
    expect(existsSync(written[0])).toBe(false); // pruned
  });
});

describe('ledger salvage', () => {
  async function damagedStore(): Promise<{ dataDir: string; snapshot: string }> {
    const dataDir = tempDir();
    const l = await Ledger.open({ dataDir, compactIntervalMs: 0, snapshot: { intervalMs: 0, keep: 3 } });
    // packets (fresh ids) live inline in their batch's page, as on the node's packet path
    for (let i = 0; i < 20; i++) await l.commitAsync({ ...entries.forward(`a-${i}`, 'alice', 'bob', 10n, 10n), fresh: true });
    const snapshot = await l.snapshotNow();
    for (let i = 0; i < 10; i++) await l.commitAsync({ ...entries.forward(`b-${i}`, 'carol', 'bob', 7n, 7n), fresh: true });
    await l.close();
    await damagePage(dataDir, 'a-3'); // in the snapshot: recovered from it
    await damagePage(dataDir, 'b-4'); // after the snapshot: lost, the gap
    return { dataDir, snapshot };
  }

  it('rebuilds from the intact pages and the newest snapshot, and reports the gap per account', async () => {
    const { dataDir, snapshot } = await damagedStore();
    const out = join(tempDir(), 'rebuilt');
    const report = await salvage(dataDir, out);
    expect(report.entries).toEqual({ fromStore: 28, fromSnapshot: 1, pagesSkipped: 2 });
    expect(report.snapshot).toBe(snapshot);
    const by = Object.fromEntries(report.accounts.map((a) => [a.account, a]));
    expect(by['peer:alice']).toEqual({ account: 'peer:alice', recorded: '200', rebuilt: '200', gap: '0' });
    expect(by['peer:carol']).toEqual({ account: 'peer:carol', recorded: '70', rebuilt: '63', gap: '7' });
    expect(by['peer:bob']).toEqual({ account: 'peer:bob', recorded: '-270', rebuilt: '-263', gap: '-7' });
    expect(existsSync(report.copiedTo)).toBe(true);
    const rebuilt = await openLedger({ dataDir: out });
    expect(rebuilt.balance('peer:carol')).toBe(63n);
    expect(await rebuilt.verify()).toMatchObject({ ok: true, sum: '0' });
    expect(await rebuilt.getEntry('a-3')).toBeDefined();
  });

  it('agent-runtime ledger salvage --json: exit 1 with the gap; the damaged store refuses to open and its hint names salvage', async () => {
    const { dataDir } = await damagedStore();
    const opened = await Ledger.open({ dataDir }).catch((e: unknown) => e as { code: string; suggestion: string });
    expect(opened).toMatchObject({ code: 'LEDGER_CORRUPT', suggestion: expect.stringContaining('agent-runtime ledger salvage') });
    const out = join(tempDir(), 'rebuilt');
    const r = await run(['ledger', 'salvage', '--data-dir', dataDir, '--out', out, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = json<{ out: string; accounts: { account: string; gap: string }[] }>(r);
    expect(doc.out).toBe(out);
    expect(doc.accounts.find((a) => a.account === 'peer:carol')?.gap).toBe('7');
  }, 60_000);

  it('a data directory without a ledger: LEDGER_NOT_FOUND naming it (exit 2), nothing written', async () => {
    const dataDir = tempDir();
    const out = join(tempDir(), 'rebuilt');
    const r = await run(['ledger', 'salvage', '--data-dir', dataDir, '--out', out, '--json']);
    expect(r.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({ code: 'LEDGER_NOT_FOUND', message: `No ledger in ${dataDir}` });
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('a config whose ledger is PostgreSQL: INVALID_ARGUMENT naming the backend and what to do instead (exit 2), nothing written', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `nodeId: alice\ndataDir: ${join(dir, 'data')}\nledger:\n  backend: postgres\n  postgres:\n    url: postgres://hub:secret@127.0.0.1:1/ledger\n`);
    const out = join(tempDir(), 'rebuilt');
    const r = await run(['ledger', 'salvage', '--config', config, '--out', out, '--json']);
    expect(r.exitCode).toBe(2);
    const error = json<{ error: { code: string; message: string } }>(r).error;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('ledger.backend');
    expect(error.message).toContain('restore the database from its backup');
    expect(error.message).not.toContain('secret');
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
