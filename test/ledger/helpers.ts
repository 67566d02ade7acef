/**
 * Test helpers: a temp data directory per test (removed after it) and ledgers closed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach } from 'vitest';
import { Ledger, storeLocation, type LedgerOptions } from '../../src/ledger/index.js';

const dirs: string[] = [];
const open: Ledger[] = [];

/** A fresh temporary data directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-test-'));
  dirs.push(dir);
  return dir;
}

/** Opens a ledger that is closed after the test (unless the test closes it first). */
export async function openLedger(opts: Partial<LedgerOptions> & { dataDir?: string } = {}): Promise<Ledger> {
  const ledger = await Ledger.open({ compactIntervalMs: 0, ...opts, dataDir: opts.dataDir ?? tempDir() });
  open.push(ledger);
  return ledger;
}

/** Opens the raw LevelDB store of a (closed) ledger, to look at or tamper with its keys. */
export async function openRaw(dataDir: string): Promise<Level<Buffer, Buffer>> {
  const db = new Level<Buffer, Buffer>(storeLocation(dataDir), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  return db;
}

/** Resolves when `check` returns true, polling on timers (no fixed sleeps); fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
