/**
 * Smoke test of the bench's rates target (r, `npm run bench:rates`): target (a) whose receiver is an
 * XRP@6 peer while the sender pays USD@9, so every packet goes through the exact converter. One short
 * window with exact counts, then the node's own books: each 1000 nano-USD Prepare reached the receiver
 * as floor(1000 × 1.923077 × 10^(6−9)) = 1 drop, so the receiver's XRP account moved by exactly one
 * unit per fulfilled packet and the sender's USD account by 1000.
 */
import { describe, expect, it } from 'vitest';
import { adminPortOf, balancesOf, magnitude, runExactWindow, withTarget } from './target-run.js';

describe('agent-runtime-rates target', () => {
  it('converts every packet USD@9 → XRP@6 with exact counts and books', async () => {
    await withTarget('agent-runtime-rates', {}, async ({ target, yaml }) => {
      expect(yaml).toMatch(/assetCode: XRP/);
      const adminPort = adminPortOf(yaml);
      const r = await runExactWindow(target);

      const books = await balancesOf(adminPort);
      const fulfilled = BigInt(r.totals.fulfilled);
      expect(books.get('peer:receiver')).toMatchObject({ assetCode: 'XRP', assetScale: 6 });
      expect(books.get('peer:sender')).toMatchObject({ assetCode: 'USD', assetScale: 9 });
      expect(magnitude(books.get('peer:receiver')?.balance)).toBe(fulfilled);
      expect(magnitude(books.get('peer:sender')?.balance)).toBe(fulfilled * 1000n);
    });
  }, 90_000);
});
