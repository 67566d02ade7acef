/**
 * The store: opening errors, restart, verify against tampering, folding into checkpoints.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerError, LedgerInUseError, LedgerOpenError, entries, storeLocation } from '../../src/ledger/index.js';
import { encodeI128, prefixedKey, FORMAT_VERSION, PREFIX_BALANCE, META_KEY } from '../../src/ledger/codec.js';
import { openLedger, openRaw, tempDir, waitFor } from './helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('open', () => {
  it('creates the store under <dataDir>/ledger with a meta record', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    expect(l.dataDir).toBe(dataDir);
    await l.close();
    expect(existsSync(join(dataDir, 'ledger', 'CURRENT'))).toBe(true);
    const raw = await openRaw(dataDir);
    const meta = JSON.parse((await raw.get(META_KEY)).toString('utf8'));
    await raw.close();
    expect(meta).toMatchObject({ format: 'agent-runtime-ledger', version: FORMAT_VERSION });
  });

  it('fails with LedgerInUseError while another instance holds the store', async () => {
    const dataDir = tempDir();
    await openLedger({ dataDir });
    const err = await Ledger.open({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerInUseError);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'LEDGER_IN_USE', exitCode: 1 });
    expect((err as Error).message).toContain(dataDir);
    expect((err as LedgerError).suggestion).toMatch(/stop it/);
  });

  it('fails with LedgerOpenError when the directory cannot be created', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const err = await Ledger.open({ dataDir: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerOpenError);
    expect(err).toMatchObject({ code: 'LEDGER_OPEN_FAILED' });
    expect((err as Error).message).toMatch(/Cannot open the ledger in .*not-a-dir.*ENOTDIR/);
    expect((err as LedgerError).suggestion).toMatch(/file is in the way/);
  });

  it('creates every missing level of a nested dataDir, and names a file in the way deeper down', async () => {
    const base = tempDir();
    const nested = join(base, 'a', 'b', 'c');
    const l = await openLedger({ dataDir: nested });
    await l.close();
    expect(existsSync(join(nested, 'ledger', 'CURRENT'))).toBe(true);
    writeFileSync(join(base, 'file'), 'x');
    const err = await Ledger.open({ dataDir: join(base, 'file', 'deeper') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LEDGER_OPEN_FAILED' });
    expect((err as Error).message).toMatch(/ENOTDIR/);
  });

  // Linux only (procfs). Node's recursive mkdir spun forever here, so `start` hung at full CPU.
  it.runIf(existsSync('/proc/self'))('fails at once with LedgerOpenError for a dataDir under /proc, where no directory can be made', { timeout: 10_000 }, async () => {
    const err = await Ledger.open({ dataDir: '/proc/agent-runtime-test/data' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerOpenError);
    expect((err as Error).message).toMatch(/Cannot open the ledger in \/proc\/agent-runtime-test\/data: ENOENT/);
    expect((err as LedgerError).suggestion).toMatch(/writable filesystem/);
  });

  it('refuses invalid options', async () => {
    await expect(Ledger.open({ dataDir: '' })).rejects.toMatchObject({ code: 'LEDGER_INVALID_OPTIONS' });
    await expect(Ledger.open({ dataDir: tempDir(), journalRetentionMs: -1 })).rejects.toMatchObject({ code: 'LEDGER_INVALID_OPTIONS' });
  });

  // Root may write anywhere, so as root the open runs in a child process as the user nobody, which
  // needs to read this checkout; skipped only as root in a checkout nobody cannot reach.
  it.skipIf(process.getuid?.() === 0 && !othersCanRead(ROOT))('fails with LedgerOpenError in a directory it may not write (as root: a child as nobody)', async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const readOnly = join(parent, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(readOnly, 0o555);
    try {
      const err = process.getuid?.() === 0 ? openAsNobody(parent, join(readOnly, 'data')) : await Ledger.open({ dataDir: join(readOnly, 'data') }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'LedgerOpenError', code: 'LEDGER_OPEN_FAILED' });
      expect((err as LedgerError).suggestion).toMatch(/writable/);
    } finally {
      chmodSync(readOnly, 0o700);
    }
  });

  it('refuses a store written by a newer format', async () => {
    const dataDir = tempDir();
    const raw = await openRaw(dataDir);
    await raw.put(META_KEY, Buffer.from(JSON.stringify({ format: 'agent-runtime-ledger', version: 99 })));
    await raw.close();
    const err = await Ledger.open({ dataDir }).catch((e: unknown) => e as LedgerError);
    expect(err).toMatchObject({ code: 'LEDGER_FORMAT_NEWER', version: 99, supported: FORMAT_VERSION });
    expect((err as LedgerError).message).toMatch(/store format 99; this build of agent-runtime reads formats up to/);
    expect((err as LedgerError).suggestion).toMatch(/Upgrade agent-runtime/);
    // The failed open released the lock.
    await (await openRaw(dataDir)).close();
  });
});

describe('restart', () => {
  it('brings balances back, drops reservations, keeps replay detection', async () => {
    const dataDir = tempDir();
    const first = await openLedger({ dataDir });
    first.setLimits('a', { creditLimit: 500n });
    expect(first.reserve('a', 300n)).toBe(true);
    await first.commitAsync(entries.forward('p1', 'a', 'b', 200n, 198n), { peerId: 'a', amount: 200n });
    await first.commitAsync(entries.claimReceived('claim-in:a:50', 'a', 50n));
    expect(first.reserved('a')).toBe(100n);
    const before = first.balances();
    await first.close();

    const again = await openLedger({ dataDir });
    expect(again.balances()).toEqual(before);
    expect(again.reserved('a')).toBe(0n);
    await again.commitAsync(entries.forward('p1', 'a', 'b', 200n, 198n));
    expect(again.balances()).toEqual(before);
    expect(await again.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
  });

  it('detects replays from disk when more ids were booked than memory holds', async () => {
    const dataDir = tempDir();
    const first = await openLedger({ dataDir, recentIdCapacity: 4 });
    for (let i = 0; i < 10; i++) await first.commitAsync(entries.localDelivery(`id${i}`, 'a', 1n));
    await first.commitAsync(entries.localDelivery('id0', 'a', 1n)); // evicted from memory, found on disk
    expect(first.balance('peer:a')).toBe(10n);
    await first.close();
    const again = await openLedger({ dataDir, recentIdCapacity: 2 });
    await Promise.all([0, 5, 9].map((i) => again.commitAsync(entries.localDelivery(`id${i}`, 'a', 1n))));
    await again.commitAsync(entries.localDelivery('new', 'a', 1n));
    expect(again.balance('peer:a')).toBe(11n);
    // White box: once folding removed every entry memory could not hold, no more disk lookups.
    const recent = (again as unknown as { recent: { incomplete: boolean } }).recent;
    expect(recent.incomplete).toBe(true);
    await again.foldNow(Date.now() + 1);
    expect(recent.incomplete).toBe(false);
  });
});

describe('verify', () => {
  it('finds a stored balance that does not match the journal', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    await l.commitAsync(entries.forward('p1', 'a', 'b', 600n, 600n));
    expect((await l.verify()).ok).toBe(true);
    await l.close();
    const raw = await openRaw(dataDir);
    await raw.put(prefixedKey(PREFIX_BALANCE, 'peer:a'), encodeI128(12345n));
    await raw.close();
    const tampered = await openLedger({ dataDir });
    expect(tampered.balance('peer:a')).toBe(12345n);
    expect(await tampered.verify()).toEqual({
      ok: false,
      mismatches: [{ account: 'peer:a', stored: '12345', recomputed: '600' }],
      sum: '11745',
    });
  });

  it('finds a balance with no journal behind it', async () => {
    const dataDir = tempDir();
    await (await openLedger({ dataDir })).close();
    const raw = await openRaw(dataDir);
    await raw.put(prefixedKey(PREFIX_BALANCE, 'fees'), encodeI128(-5n));
    await raw.close();
    const l = await openLedger({ dataDir });
    expect(await l.verify()).toEqual({ ok: false, mismatches: [{ account: 'fees', stored: '-5', recomputed: '0' }], sum: '-5' });
  });
});

describe('folding', () => {
  it('folds old entries into checkpoints: verify stays ok, the sum zero, balances unchanged', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    for (let i = 0; i < 30; i++) await l.commitAsync(entries.forward(`p${i}`, 'a', 'b', 100n + BigInt(i), 99n + BigInt(i)));
    await l.commitAsync(entries.claimReceived('claim-in:a:1', 'a', 1000n));
    const before = l.balances();
    expect(await l.foldNow(Date.now() + 1)).toBe(31);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    expect(l.balances()).toEqual(before);
    expect(await l.getEntry('p0')).toBeUndefined();
    const snap = await l.exportSnapshot();
    expect(snap.journal).toEqual([]);
    expect(snap.checkpoints).toEqual(snap.balances);

    await l.commitAsync(entries.localDelivery('later', 'a', 7n));
    expect(await l.foldNow(0)).toBe(0); // nothing was booked before the epoch
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
    expect((await l.exportSnapshot()).journal.map((e) => e.id)).toEqual(['later']);
    await l.close();

    const again = await openLedger({ dataDir });
    expect(await again.verify()).toMatchObject({ ok: true, sum: '0' });
    expect(again.balance('peer:a')).toBe(before.get('peer:a')! + 7n);
    expect(await again.foldNow(Date.now() + 1)).toBe(1);
    expect(await again.verify()).toMatchObject({ ok: true, sum: '0' });
    // Folded ids are forgotten: a replay that late books again (documented).
    await again.commitAsync(entries.localDelivery('later', 'a', 7n));
    expect(again.balance('peer:a')).toBe(before.get('peer:a')! + 14n);
  });

  it('runs in the background on its timer', async () => {
    const l = await openLedger({ journalRetentionMs: 0, compactIntervalMs: 10 });
    await l.commitAsync(entries.localDelivery('bg', 'a', 5n));
    await waitFor(async () => (await l.getEntry('bg')) === undefined, 10_000, 'the background fold');
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
    expect((await l.exportSnapshot()).checkpoints).toEqual({ agent: '-5', 'peer:a': '5' });
  });

  it('folds in several chunks', async () => {
    const l = await openLedger();
    // Many small batches: each has its own time record; 2,500 ids span more than one fold chunk.
    for (let b = 0; b < 50; b++) await Promise.all(Array.from({ length: 50 }, (_, i) => l.commitAsync(entries.localDelivery(`c${b}-${i}`, 'a', 1n))));
    expect(await l.foldNow(Date.now() + 1)).toBe(2500);
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
    expect((await l.exportSnapshot()).checkpoints['peer:a']).toBe('2500');
  });
});

describe('storeLocation', () => {
  it('is <dataDir>/ledger', () => {
    expect(storeLocation('/x/y')).toBe(join('/x/y', 'ledger'));
  });
});

/** True when every directory on the way to `path` lets other users through (and the last one read). */
function othersCanRead(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o005) !== 0o005) return false;
    if (dirname(dir) === dir) return true;
  }
}

/** Opens a ledger at `dataDir` in a child process running as the user nobody; returns the error's fields. */
function openAsNobody(scratch: string, dataDir: string): { name?: string; code?: string; suggestion?: string } {
  const script = join(scratch, 'open.mts');
  writeFileSync(
    script,
    `import { Ledger } from ${JSON.stringify(join(ROOT, 'src/ledger/index.ts'))};\n` +
      `const err = await Ledger.open({ dataDir: process.argv[2] }).then((l) => l.close(), (e) => e);\n` +
      `process.stdout.write(JSON.stringify({ name: err?.name, code: err?.code, suggestion: err?.suggestion }));\n`,
    { mode: 0o644 },
  );
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, dataDir], {
    uid: 65534,
    gid: 65534,
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, HOME: scratch },
  });
  if (run.status !== 0) throw new Error(`the child as nobody failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { name?: string; code?: string; suggestion?: string };
}
