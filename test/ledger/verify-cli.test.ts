/**
 * `ledger verify` catches a corrupted store: a real node books packets, stops, and a separate LevelDB
 * handle overwrites one stored balance (key `b` + account, value a signed 128-bit big-endian integer,
 * written here by hand rather than with the ledger's codec). Verify must exit 1 naming that account.
 */
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType } from '../../src/index.js';
import { Harness } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { startPair } from '../commands/fixture.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** Balance key of an account: the byte 'b' then the account id. */
const balanceKey = (account: string) => Buffer.concat([Buffer.from('b'), Buffer.from(account, 'latin1')]);

/** A small signed amount as 16 bytes big-endian, two's complement. */
function i128(v: bigint): Buffer {
  const buf = Buffer.alloc(16, v < 0n ? 0xff : 0);
  buf.writeBigInt64BE(v, 8);
  return buf;
}

describe('ledger verify on a corrupted store', () => {
  it('exits 1 naming the account whose stored balance no longer matches its journal', async () => {
    const { alice, bob } = await startPair(h);
    for (const amount of [1000n, 2000n]) {
      const data = Buffer.from(`payment of ${amount}`);
      const r = await alice.sendPacket({ destination: 'g.bob', amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
      expect(r.type).toBe(IlpPacketType.Fulfill);
    }
    const dataDir = alice.config.dataDir;
    await Promise.all([bob.stop(), alice.stop()]);
    expect((await run(['ledger', 'verify', '--data-dir', dataDir])).exitCode).toBe(0);

    const db = new Level<Buffer, Buffer>(join(dataDir, 'ledger'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    try {
      expect(await db.get(balanceKey('peer:bob'))).toEqual(i128(-3000n));
      await db.put(balanceKey('peer:bob'), i128(-2500n));
    } finally {
      await db.close();
    }

    const r = await run(['ledger', 'verify', '--data-dir', dataDir]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(
      `Ledger in ${dataDir}\n` +
        'MISMATCH: 1 account differs from checkpoints + journal\n' +
        'ACCOUNT   STORED  RECOMPUTED\n' +
        'peer:bob  -2500   -3000\n' +
        'UNBALANCED: the stored balances sum to 500, not 0\n',
    );

    const doc = await run(['ledger', 'verify', '--data-dir', dataDir, '--json']);
    expect(doc.exitCode).toBe(1);
    expect(json(doc)).toEqual({ ok: false, mismatches: [{ account: 'peer:bob', stored: '-2500', recomputed: '-3000' }], sum: '500', via: 'data-dir', dataDir });
  });
});
