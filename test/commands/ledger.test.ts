/**
 * `ledger verify|export|import` on ledgers written by real nodes: through the admin API while the node
 * holds the data directory, directly once it stopped, and the refusals (another node's directory,
 * nobody answering, non-empty or running targets, invalid snapshots).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import type { LedgerSnapshot } from '../../src/ledger/index.js';
import { Harness } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { startPair } from './fixture.js';

const h = new Harness();
afterEach(() => h.cleanup());

async function pay(from: ConnectorNode, destination: string, amount: bigint, text: string): Promise<void> {
  const data = Buffer.from(text);
  const r = await from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
  expect(r.type).toBe(IlpPacketType.Fulfill);
}

/** alice pays bob 1000, 2000 and 3000 (bob answers as the local agent). */
async function pairWithPayments() {
  const pair = await startPair(h);
  for (const [i, amount] of [1000n, 2000n, 3000n].entries()) await pay(pair.alice, 'g.bob', amount, `payment ${i}`);
  return { ...pair, aliceDir: pair.alice.config.dataDir, bobDir: pair.bob.config.dataDir };
}

/** A URL nothing listens on (a port just freed). */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

/** A snapshot without its export time, to compare two exports of the same ledger. */
const content = (s: LedgerSnapshot) => ({ ...s, exportedAt: undefined });

describe('ledger verify|export|import', () => {
  it('goes through the admin API while the node runs, opens the directory once it stopped; import round-trips', async () => {
    const { alice, url, aliceDir } = await pairWithPayments();

    const live = await run(['ledger', 'verify', '--data-dir', aliceDir, '--url', url, '--json']);
    expect(live.exitCode).toBe(0);
    expect(json(live)).toEqual({ ok: true, mismatches: [], sum: '0', via: 'admin-api', dataDir: aliceDir, url });
    const human = await run(['ledger', 'verify', '--data-dir', aliceDir, '--url', url]);
    expect(human.stdout).toBe(`Ledger in ${aliceDir} (through the node at ${url})\nOK: every stored balance equals checkpoints + journal; the balances sum to 0\n`);

    const viaApi = await run(['ledger', 'export', '--data-dir', aliceDir, '--url', url]);
    expect(viaApi.exitCode).toBe(0);
    const snapshot = JSON.parse(viaApi.stdout) as LedgerSnapshot;
    expect(snapshot.balances).toEqual({ agent: '6000', 'peer:bob': '-6000' });
    expect(snapshot.journal.map((e) => [e.kind, e.postings])).toEqual(
      [1000, 2000, 3000].map((a) => ['packet', [{ account: 'agent', amount: String(a) }, { account: 'peer:bob', amount: String(-a) }]]),
    );

    await alice.stop();
    const direct = await run(['ledger', 'verify', '--data-dir', aliceDir, '--json']);
    expect(direct.exitCode).toBe(0);
    expect(json(direct)).toEqual({ ok: true, mismatches: [], sum: '0', via: 'data-dir', dataDir: aliceDir });

    const file = join(h.dir(), 'alice.json');
    const exported = await run(['ledger', 'export', '--data-dir', aliceDir, '--output', file, '--json']);
    expect(exported.exitCode).toBe(0);
    expect(json(exported)).toMatchObject({ file, via: 'data-dir', dataDir: aliceDir, balances: 2, checkpoints: 0, journalEntries: 3 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const fromDisk = JSON.parse(readFileSync(file, 'utf8')) as LedgerSnapshot;
    expect(content(fromDisk)).toEqual(content(snapshot));

    const restored = join(h.dir(), 'restored');
    const imported = await run(['ledger', 'import', file, '--data-dir', restored]);
    expect(imported.exitCode).toBe(0);
    expect(imported.stdout).toBe(`Imported ${file} into a new ledger in ${restored}\n  2 balances, 0 checkpoints, 3 journal entries\n`);
    expect(json(await run(['ledger', 'verify', '--data-dir', restored, '--json']))).toMatchObject({ ok: true, via: 'data-dir' });
    const again = await run(['ledger', 'export', '--data-dir', restored]);
    expect(content(JSON.parse(again.stdout) as LedgerSnapshot)).toEqual(content(snapshot));

    const twice = await run(['ledger', 'import', file, '--data-dir', restored, '--json']);
    expect(twice.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(twice).error).toMatchObject({ code: 'LEDGER_NOT_EMPTY' });
    expect(json<{ error: { message: string } }>(twice).error.message).toContain(restored);
  });

  it('refuses another node, a silent URL, and imports into a running node', async () => {
    const { url, aliceDir, bob, bobDir } = await pairWithPayments();

    // Default URL resolution must not answer for another node's directory.
    const wrong = await run(['ledger', 'verify', '--data-dir', bobDir, '--url', url, '--json']);
    expect(wrong.exitCode).toBe(1);
    const wrongErr = json<{ error: { code: string; message: string; suggestion: string } }>(wrong).error;
    expect(wrongErr).toMatchObject({ code: 'LEDGER_IN_USE', message: `The ledger in ${bobDir} is held by another process` });
    expect(wrongErr.suggestion).toContain(`uses ${aliceDir}`);

    const dead = await deadUrl();
    const silent = await run(['ledger', 'export', '--data-dir', aliceDir, '--url', dead]);
    expect(silent.exitCode).toBe(1);
    expect(silent.stdout).toBe('');
    expect(silent.stderr).toContain(`Error: The ledger in ${aliceDir} is held by another process [LEDGER_IN_USE]`);
    expect(silent.stderr).toContain(`Hint: Cannot reach the node at ${dead}: connection refused. Pass --url`);

    const file = join(h.dir(), 'snap.json');
    expect((await run(['ledger', 'export', '--url', url, '--output', file])).exitCode).toBe(0);
    const busy = await run(['ledger', 'import', file, '--data-dir', bobDir]);
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain(`The ledger in ${bobDir} is held by another process [LEDGER_IN_USE]`);
    expect(busy.stderr).toContain('a running node does not import');

    const res = await fetch(`${bob.endpoints.admin!}/admin/ledger/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(file) });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'Conflict', code: 'LEDGER_IMPORT_REFUSED' });
  });

  it('rejects invalid snapshots with the reason and exit 2, and names a directory with no ledger', async () => {
    const dir = h.dir();
    const target = join(dir, 'target');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'agent-runtime-ledger', version: 1, balances: { agent: '5', 'peer:bob': '-4' } }));
    const unbalanced = await run(['ledger', 'import', bad, '--data-dir', target]);
    expect(unbalanced.exitCode).toBe(2);
    expect(unbalanced.stderr).toContain(`Error: Invalid ledger snapshot ${bad}: balances sum to 1, not 0 [LEDGER_SNAPSHOT_INVALID]`);
    expect(existsSync(target)).toBe(false);

    writeFileSync(bad, '{"format": "agent-runtime-ledger",');
    const notJson = await run(['ledger', 'import', bad, '--data-dir', target, '--json']);
    expect(notJson.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(notJson).error.message).toMatch(/not JSON/);

    const none = await run(['ledger', 'verify', '--data-dir', target]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain(`Error: No ledger in ${target} [LEDGER_NOT_FOUND]`);
  });
});
