/**
 * kill -9 under load: a child process commits transfers and prints each acknowledged id; we kill it
 * with SIGKILL at a random moment, reopen the store, and check that every acknowledged entry is there
 * and whole, that the balances are exactly the sum of the committed entries, and that they sum to
 * zero. Several rounds on the same directory, so each restart also picks up where the last one died.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, LedgerInUseError } from '../../src/ledger/index.js';
import { expectedPostings } from './crash-model.js';
import { tempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = 6;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
});

interface Writer {
  child: ChildProcess;
  acked: string[];
  stderr: () => string;
  /** Resolves once `n` acknowledgements were printed. */
  waitAcks: (n: number) => Promise<void>;
  /** Resolves when the child has exited and its stdout is drained. */
  closed: Promise<void>;
}

function startWriter(dataDir: string, tag: string): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/ledger/crash-writer.ts', dataDir, tag], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const acked: string[] = [];
  let partial = '';
  let err = '';
  let waiting: { n: number; resolve: () => void; reject: (e: Error) => void } | undefined;
  const wake = () => {
    if (waiting && acked.length >= waiting.n) {
      waiting.resolve();
      waiting = undefined;
    }
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!; // a line cut by the kill was never acknowledged in full: ignore it
    for (const line of lines) if (line !== 'ready' && line !== '') acked.push(line);
    wake();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (err += chunk));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  void closed.then(() => waiting?.reject(new Error(`writer exited early: ${err}`)));
  return {
    child,
    acked,
    stderr: () => err,
    waitAcks: (n) =>
      new Promise<void>((resolve, reject) => {
        waiting = { n, resolve, reject };
        wake();
      }),
    closed,
  };
}

describe('kill -9 under load', () => {
  it(`loses no acknowledged entry and never half-commits (${ROUNDS} rounds)`, async () => {
    const dataDir = tempDir();
    const allAcked: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const w = startWriter(dataDir, `r${round}`);
      // Kill at a random moment: after somewhere between 1 and ~6000 acknowledgements.
      await w.waitAcks(1 + Math.floor(Math.random() * 6000));
      if (round === 0) {
        // Another process holds the store: opening it here must say so.
        await expect(Ledger.open({ dataDir })).rejects.toBeInstanceOf(LedgerInUseError);
      }
      process.kill(w.child.pid!, 'SIGKILL');
      await w.closed;
      expect(w.child.signalCode, w.stderr()).toBe('SIGKILL');
      allAcked.push(...w.acked);

      const ledger = await Ledger.open({ dataDir, compactIntervalMs: 0 });
      try {
        // getEntry searches the pages linearly (a tool's lookup): look up the newest acknowledged ids
        // through it, and every one through the snapshot below (each entry's postings checked there).
        for (const id of w.acked.slice(-20)) {
          const e = await ledger.getEntry(id);
          expect(e?.postings, `acknowledged ${id}`).toEqual(expectedPostings(id));
        }
        const snap = await ledger.exportSnapshot();
        const committed = new Set(snap.journal.map((e) => e.id));
        for (const id of allAcked) expect(committed.has(id), `acknowledged ${id} is committed`).toBe(true);
        // Every committed entry is whole: exactly the legs the writer built for its id.
        const sums = new Map<string, bigint>();
        for (const e of snap.journal) {
          expect(e.postings.map((p) => ({ account: p.account, amount: BigInt(p.amount) }))).toEqual(expectedPostings(e.id));
          for (const p of e.postings) sums.set(p.account, (sums.get(p.account) ?? 0n) + BigInt(p.amount));
        }
        // The stored balances are exactly the sum of the committed entries (replays counted once).
        expect(ledger.balances()).toEqual(sums);
        expect(await ledger.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
        expect(committed.size).toBeGreaterThanOrEqual(allAcked.length);
      } finally {
        await ledger.close();
      }
    }
  });
});
