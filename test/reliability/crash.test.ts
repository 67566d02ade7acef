/**
 * Crash harness: alice → hub → bob, with the hub a real process (`node bin/run.js start --json`) on a
 * fixed data directory and a fixed BTP port. Alice keeps 64 payments in flight through it; the hub is
 * killed with SIGKILL at a random moment, 20 times, and restarted on the same dataDir and port, where
 * alice and bob reconnect by themselves.
 *
 * After each round, once every send has settled and both children are back:
 * - every node's accounts sum to zero (the hub's through its admin API);
 * - packet by packet (by condition; every payment carries distinct data): each one alice saw fulfilled
 *   is in the hub's journal and in bob's; each one the hub booked was delivered to bob; no journal
 *   holds a packet twice; alice's journal holds exactly what she saw fulfilled;
 * - per link, the difference between the two sides' views grew by no more than what was in flight
 *   at the kill (alice ↔ hub: hub booked a packet whose Fulfill died with it; hub ↔ bob: bob booked a
 *   packet whose Fulfill the hub never read);
 * - the hub is healthy and ready.
 * After the last round the hub is killed once more and its ledger opened directly: it verifies and
 * holds the balances the admin API reported.
 *
 * The hub runs the built CLI (bin/run.js + dist/), copied to tmp/ first so a concurrent `npm run
 * build` in the shared checkout cannot pull dist/ from under the 20 restarts.
 *
 * Why it runs longer than 60 s: each of the 20 rounds restarts a Node process (~1 s) and waits for the
 * children's reconnect backoff (100 ms doubling, up to ~1.6 s): about 3 s a round, ~70 s in all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { Ledger } from '../../src/ledger/index.js';
import type { LedgerSnapshot } from '../../src/ledger/index.js';
import { computeConditionFromData, IlpPacketType } from '../../src/index.js';
import { balanceOf, cliSnapshot, freePort, removeCliSnapshot, startNodeProcess, sumBalances, type NodeProcess, type StartedEvent } from './helpers.js';

const ROUNDS = 20;
const CONCURRENCY = 64;
const FEE_BPS = 10n;

const h = new Harness();
const procs: NodeProcess[] = [];
let dir = '';
let runJs = '';

beforeAll(async () => {
  runJs = await cliSnapshot();
  dir = mkdtempSync(join(tmpdir(), 'ar-crash-'));
}, 400_000);

afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await h.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (runJs) removeCliSnapshot(runJs);
});

interface Packet {
  amountIn: bigint;
  amountOut: bigint;
  state: 'pending' | 'fulfilled' | 'rejected';
}

const hex = (b: Buffer) => b.toString('hex');
const afterFee = (a: bigint) => a - (a * FEE_BPS) / 10000n;

/** Conditions of a journal's packet entries, failing on a duplicate (a packet counted twice). */
function journalConditions(snapshot: LedgerSnapshot, who: string): Map<string, { account: string; amount: string }[]> {
  const out = new Map<string, { account: string; amount: string }[]>();
  for (const e of snapshot.journal) {
    if (e.kind !== 'packet' || e.condition === undefined) continue;
    if (out.has(e.condition)) throw new Error(`${who} booked the packet with condition ${e.condition} twice`);
    out.set(e.condition, e.postings);
  }
  return out;
}

describe('crash harness: kill -9 the hub under load', () => {
  it(`loses nothing and counts nothing twice over ${ROUNDS} SIGKILLs of the hub process`, { timeout: 150_000 }, async () => {
    const btpPort = await freePort();
    const dataDir = join(dir, 'hub-data');
    const hubYaml = join(dir, 'hub.yaml');
    writeFileSync(
      hubYaml,
      [
        'nodeId: hub',
        'ilpAddress: g.hub',
        `dataDir: ${JSON.stringify(dataDir)}`,
        `btpServerPort: ${btpPort}`,
        'healthCheckPort: 0',
        'adminApi:',
        '  enabled: true',
        '  port: 0',
        'peers:',
        '  - id: alice',
        '    relation: child',
        '    creditLimit: "1000000000000"',
        '  - id: bob',
        '    relation: child',
        '    creditLimit: "1000000000000"',
        '',
      ].join('\n'),
    );
    const hubEnv = { BTP_PEER_ALICE_SECRET: 'alice-secret', BTP_PEER_BOB_SECRET: 'bob-secret' };
    const startHub = async (): Promise<{ proc: NodeProcess; started: StartedEvent }> => {
      const proc = startNodeProcess(runJs, hubYaml, hubEnv);
      procs.push(proc);
      return { proc, started: await proc.started };
    };

    let hub = await startHub();
    const url = `ws://127.0.0.1:${btpPort}`;
    const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '1000000000000' }] } as never);
    const bob = h.node({ nodeId: 'bob', peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent', creditLimit: '1000000000000' }] } as never);

    // bob fulfils after a short random delay, so packets also sit at bob when the hub dies
    const delivered = new Set<string>();
    let bobBusy = 0;
    bob.setPacketHandler(async (req) => {
      bobBusy++;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 4)));
      const condition = hex(computeConditionFromData(Buffer.from(req.data ?? '', 'base64')).condition);
      if (delivered.has(condition)) throw new Error(`bob got the packet ${condition} twice`);
      delivered.add(condition);
      bobBusy--;
      return { accept: true };
    });
    await Promise.all([alice.start(), bob.start()]);
    expect(alice.ilpAddress).toBe('g.hub.alice');

    const packets = new Map<string, Packet>();
    let seq = 0;
    let running = false;
    let fulfilledCount = 0;
    const pending = () => [...packets.values()].filter((p) => p.state === 'pending');
    const worker = async (): Promise<void> => {
      while (running) {
        const data = Buffer.from(`crash-${process.pid}-${++seq}-${Math.random()}`);
        const { condition } = computeConditionFromData(data);
        const amountIn = 1000n + BigInt(Math.floor(Math.random() * 9000));
        const p: Packet = { amountIn, amountOut: afterFee(amountIn), state: 'pending' };
        packets.set(hex(condition), p);
        const r = await alice.sendPacket({ destination: 'g.hub.bob', amount: amountIn, executionCondition: condition, expiresAt: new Date(Date.now() + 10_000), data });
        p.state = r.type === IlpPacketType.Fulfill ? 'fulfilled' : 'rejected';
        if (p.state === 'fulfilled') fulfilledCount++;
        // a reject can come back at once (hub down): let the event loop run between attempts
        else await new Promise((r) => setImmediate(r));
      }
    };
    const connected = () => alice.listPeers()[0]?.connected === true && bob.listPeers()[0]?.connected === true;

    let lastDiffAlice = 0n;
    let lastDiffBob = 0n;
    let lastHubAccounts: { account: string; balance: string }[] = [];
    const report: string[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      await waitFor(connected, 20_000, `round ${round}: alice and bob connected to the hub`);
      running = true;
      const workers = Array.from({ length: CONCURRENCY }, () => worker());
      // a random moment: after 30..400 more fulfilled packets, with at least 50 in flight
      const target = fulfilledCount + 30 + Math.floor(Math.random() * 370);
      await waitFor(() => fulfilledCount >= target && pending().length >= 50, 30_000, `round ${round}: traffic`);
      const inFlight = pending();
      const inFlightIn = inFlight.reduce((s, p) => s + p.amountIn, 0n);
      const inFlightOut = inFlight.reduce((s, p) => s + p.amountOut, 0n);
      // the signal is sent synchronously; no new packet starts after it
      const killed = hub.proc.kill('SIGKILL');
      running = false;
      await killed;
      await Promise.all(workers);
      expect(pending()).toHaveLength(0);

      hub = await startHub();
      expect(hub.started.btpPort).toBe(btpPort);
      await waitFor(connected, 20_000, `round ${round}: reconnect after restart`);
      await waitFor(() => bobBusy === 0, 10_000, 'bob idle');
      await bob.ledgerHandle!.flush();
      await alice.ledgerHandle!.flush();

      const admin = hub.started.adminUrl!;
      const hubAccounts = ((await (await fetch(`${admin}/admin/balances`)).json()) as { accounts: { account: string; balance: string }[] }).accounts;
      const hubJournal = journalConditions((await (await fetch(`${admin}/admin/ledger/export`)).json()) as LedgerSnapshot, 'the hub');
      const bobJournal = journalConditions(await bob.ledgerHandle!.exportSnapshot(), 'bob');
      const aliceJournal = journalConditions(await alice.ledgerHandle!.exportSnapshot(), 'alice');

      // every node balances
      expect(sumBalances(alice.getAccounts()), 'alice sums to zero').toBe(0n);
      expect(sumBalances(bob.getAccounts()), 'bob sums to zero').toBe(0n);
      expect(sumBalances(hubAccounts), 'hub sums to zero').toBe(0n);

      // packet by packet
      const fulfilled = [...packets].filter(([, p]) => p.state === 'fulfilled');
      expect(aliceJournal.size, 'alice booked exactly what she saw fulfilled').toBe(fulfilled.length);
      for (const [c] of fulfilled) {
        expect(aliceJournal.has(c), `alice booked ${c}`).toBe(true);
        expect(hubJournal.has(c), `fulfilled ${c} is committed at the hub`).toBe(true);
        expect(bobJournal.has(c), `fulfilled ${c} is committed at bob`).toBe(true);
      }
      for (const [c, postings] of hubJournal) {
        const p = packets.get(c);
        expect(p, `the hub booked a packet alice sent (${c})`).toBeDefined();
        expect(delivered.has(c) && bobJournal.has(c), `the hub booked ${c} only after bob fulfilled it`).toBe(true);
        expect(balanceOf(postings.map((x) => ({ account: x.account, balance: x.amount })), 'peer:alice')).toBe(p!.amountIn);
        expect(balanceOf(postings.map((x) => ({ account: x.account, balance: x.amount })), 'peer:bob')).toBe(-p!.amountOut);
      }
      for (const c of bobJournal.keys()) expect(delivered.has(c)).toBe(true);

      // per link: the two views differ by no more than what was in flight at each kill
      const diffAlice = balanceOf(hubAccounts, 'peer:alice') + balanceOf(alice.getAccounts(), 'peer:hub');
      const diffBob = balanceOf(bob.getAccounts(), 'peer:hub') + balanceOf(hubAccounts, 'peer:bob');
      const line =
        `round ${String(round).padStart(2)}: in flight at the kill ${inFlight.length} (${inFlightIn} in / ${inFlightOut} out); ` +
        `alice↔hub difference +${diffAlice - lastDiffAlice} (total ${diffAlice}), hub↔bob difference +${diffBob - lastDiffBob} (total ${diffBob}); ` +
        `fulfilled so far ${fulfilled.length}, hub journal ${hubJournal.size}, bob journal ${bobJournal.size}`;
      report.push(line);
      expect(diffAlice - lastDiffAlice, line).toBeGreaterThanOrEqual(0n);
      expect(diffAlice - lastDiffAlice, line).toBeLessThanOrEqual(inFlightIn);
      expect(diffBob - lastDiffBob, line).toBeGreaterThanOrEqual(0n);
      expect(diffBob - lastDiffBob, line).toBeLessThanOrEqual(inFlightOut);
      lastDiffAlice = diffAlice;
      lastDiffBob = diffBob;
      lastHubAccounts = hubAccounts;

      // ready again
      const health = `http://127.0.0.1:${hub.started.healthPort}`;
      expect((await fetch(`${health}/health/ready`)).status).toBe(200);
      expect(((await (await fetch(`${health}/health`)).json()) as { status: string }).status).toBe('healthy');
    }
    process.stdout.write(`\ncrash harness (${ROUNDS} SIGKILLs of pid-per-round hub processes):\n${report.join('\n')}\n`);

    // A last kill, then the hub's store opened directly: it verifies and holds what the API reported.
    await hub.proc.kill('SIGKILL');
    const ledger = await Ledger.open({ dataDir });
    try {
      const verified = await ledger.verify();
      expect(verified.ok, JSON.stringify(verified)).toBe(true);
      const direct = [...ledger.balances()].map(([account, b]) => ({ account, balance: b.toString() }));
      expect(sumBalances(direct)).toBe(0n);
      for (const a of lastHubAccounts) expect(balanceOf(direct, a.account), a.account).toBe(BigInt(a.balance));
    } finally {
      await ledger.close();
    }
  });
});
