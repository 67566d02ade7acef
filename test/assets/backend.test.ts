import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, sumsPerAsset } from '../../src/ledger/index.js';
import type { LedgerBackend } from '../../src/ledger/backend.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the ledger backend interface', () => {
  it('is what the LevelDB Ledger implements, and a cross-asset entry sums to zero per asset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backend-'));
    dirs.push(dir);
    const backend: LedgerBackend = await Ledger.open({ dataDir: dir });
    try {
      await new Promise<void>((resolve, reject) =>
        backend.commit(
          {
            id: 'x1',
            kind: 'packet',
            postings: [
              { account: 'peer:alice', amount: 1_000_000_000n },
              { account: 'exchange:USD@9', amount: -1_000_000_000n },
              { account: 'exchange:XRP@6', amount: 1_923_077n },
              { account: 'peer:bob', amount: -1_921_154n },
              { account: 'fees:XRP@6', amount: -1_923n },
            ],
          },
          undefined,
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      const sums = sumsPerAsset(backend.balances(), (a) => (a === 'peer:bob' ? { code: 'XRP', scale: 6 } : { code: 'USD', scale: 9 }));
      expect(Object.fromEntries(sums)).toEqual({ 'USD@9': 0n, 'XRP@6': 0n });
      expect((await backend.verify()).ok).toBe(true);
    } finally {
      await backend.close();
    }
  });
});
