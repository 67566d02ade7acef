/**
 * The settlement store (best claims are money) gets the ledger's open-time check: a byte flipped
 * inside a data block of its table refuses the open with LEDGER_CORRUPT naming the file and offset,
 * after the store was copied aside (originals untouched); a clean store opens.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettlementStore } from '../../src/settlement/store.js';
import { tempDir } from './helpers.js';

describe('settlement store integrity at open', () => {
  it('a flipped byte in a table data block: LEDGER_CORRUPT naming file and offset, copied aside; an intact store opens', async () => {
    const dataDir = tempDir();
    const s = await SettlementStore.open(dataDir);
    for (let i = 0; i < 40; i++) await s.putMeta({ note: `claim ${i} ${'x'.repeat(100)}` } as never);
    await s.close();
    await (await SettlementStore.open(dataDir)).close(); // intact: opens (and moves the log to a table)
    const dir = SettlementStore.location(dataDir);
    const log = join(dir, readdirSync(dir).filter((f) => f.endsWith('.ldb')).sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0]);
    const buf = readFileSync(log);
    buf[40] ^= 0x5a; // inside the first data block
    writeFileSync(log, buf);

    const err = await SettlementStore.open(dataDir).then(
      async (x) => {
        await x.close();
        return undefined;
      },
      (e: unknown) => e as { code: string; message: string; suggestion: string; details: { copiedTo?: string; offset: number } },
    );
    expect(err?.code).toBe('LEDGER_CORRUPT');
    expect(err?.message).toContain(log);
    expect(err?.message).toMatch(/settlement store .* at offset \d+/);
    expect(err?.suggestion).toMatch(/best claims/);
    const copy = readdirSync(dataDir).find((f) => f.startsWith('settlement-damaged-'));
    expect(copy).toBeDefined();
    expect(readFileSync(join(dataDir, copy!, log.split('/').pop()!)).equals(buf)).toBe(true);
    expect(readFileSync(log).equals(buf)).toBe(true);
  });
});
