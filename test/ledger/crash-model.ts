/**
 * What the crash writer books for each id, shared by the writer and the test that checks it.
 */
import { entries, type Posting } from '../../src/ledger/index.js';

/** The peers the writer moves money between. */
export const CRASH_PEERS = ['alice', 'bob', 'carol', 'dave'];

/** The postings the writer books for id `<tag>-<n>`: a forward whose amounts follow from n. */
export function expectedPostings(id: string): Posting[] {
  const n = Number(id.slice(id.lastIndexOf('-') + 1));
  const amount = BigInt(1 + (n % 1000));
  return entries.forward(id, CRASH_PEERS[n % 4], CRASH_PEERS[(n + 1) % 4], amount, amount - amount / 100n).postings;
}
