/**
 * Storage-fault signals of a real node (ConnectorNode in-process, LevelDB on disk, /metrics over a
 * real socket): a damaged store at start gives one `ledger:corrupt` event naming the file and offset
 * and one error log line, and the start fails with LEDGER_CORRUPT; a torn tail dropped at open, a
 * side journal booked at open, and a write fault with its reopen attempts show in /metrics.
 */
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorNode, IlpPacketType, computeConditionFromData } from '../../src/index.js';
import { entries, storeLocation, type Ledger } from '../../src/ledger/index.js';
import { SideJournal, sideJournalPath } from '../../src/ledger/side-journal.js';
import type { NodeEvent } from '../../src/node/events.js';
import { acknowledgedStore, flipByte, killedStore, logRecords, newestStoreFile } from './damaged-store.js';
import { canMakeImmutable, setImmutable, unfreezeAll } from './immutable.js';
import { waitFor } from './helpers.js';
import type { Level } from 'level';

const nodes: ConnectorNode[] = [];
afterEach(async () => {
  unfreezeAll();
  await Promise.all(nodes.splice(0).map((n) => n.stop().catch(() => undefined)));
});

/** A node on its own data directory with a logger whose lines the test reads. */
function node(dataDir: string): { node: ConnectorNode; logs: { level: number; msg: string; [k: string]: unknown }[]; events: NodeEvent[] } {
  const logs: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const n = new ConnectorNode({ nodeId: 'signals', dataDir, btpServerPort: 0, healthCheckPort: 0, adminApi: { enabled: false } }, logger, { env: {} });
  nodes.push(n);
  const events: NodeEvent[] = [];
  n.events.subscribe((batch) => events.push(...batch), { packets: false });
  return { node: n, logs, events };
}

/** The value of one sample line of `/metrics` (`name{labels} value`; labels without node_id), or undefined. */
async function metric(n: ConnectorNode, name: string, labels = ''): Promise<number | undefined> {
  const body = await (await fetch(`${n.endpoints.health}/metrics`)).text();
  for (const line of body.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const own = (m[2] ?? '').split(',').filter((l) => l !== '' && !l.startsWith('node_id=')).join(',');
    if (own === labels) return Number(m[3]);
  }
  return undefined;
}

const ERROR = 50;
const WARN = 40;

describe('a damaged store at start', () => {
  it('one ledger:corrupt event with file and offset, one error line, LEDGER_CORRUPT from start', async () => {
    const dataDir = await acknowledgedStore(40);
    const log = newestStoreFile(dataDir, '.log');
    flipByte(log, statSync(log).size - 300);
    const { node: n, logs, events } = node(dataDir);
    const err = await n.start().then(
      () => undefined,
      (e: unknown) => e as { code: string; offset: number; copiedTo: string },
    );
    expect(err).toMatchObject({ code: 'LEDGER_CORRUPT', file: log });
    const corrupt = events.filter((e) => e.type === 'ledger:corrupt');
    expect(corrupt).toEqual([expect.objectContaining({ type: 'ledger:corrupt', phase: 'open', file: log, offset: err!.offset, copiedTo: err!.copiedTo, dataDir })]);
    const errors = logs.filter((l) => l.level >= ERROR);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ phase: 'open', file: log, offset: err!.offset, msg: expect.stringContaining('LEDGER_CORRUPT') });
  });
});

describe('/metrics of the store', () => {
  it('a torn tail dropped at open: counted, one warning line, the node runs', async () => {
    const { dataDir, log } = await killedStore(8);
    const buf = readFileSync(log);
    const last = logRecords(buf).at(-1)!;
    appendFileSync(log, buf.subarray(last.offset, last.offset + 7 + Math.floor(last.length / 2)));
    const { node: n, logs } = node(dataDir);
    await n.start();
    expect(await metric(n, 'ilp_ledger_torn_tails_total')).toBe(1);
    expect(await metric(n, 'ilp_ledger_faulted')).toBe(0);
    expect(await metric(n, 'ilp_ledger_corruptions_total', 'phase="open"')).toBe(0);
    expect(logs.filter((l) => l.level === WARN && /torn/.test(l.msg))).toHaveLength(1);
    expect(logs.filter((l) => l.level >= ERROR)).toEqual([]);
  });

  it('a side journal left by a faulted process: booked at open, counted as replayed, none pending', async () => {
    const dataDir = await acknowledgedStore(2);
    const side = new SideJournal(sideJournalPath(dataDir));
    side.append([
      { page: '', entry: { ...entries.forward('gone-1', 'alice', 'bob', 5n, 4n), ts: Date.now() } },
      { page: '', entry: { ...entries.forward('gone-2', 'alice', 'bob', 5n, 4n), ts: Date.now() } },
    ]);
    side.close();
    const { node: n } = node(dataDir);
    await n.start();
    expect(await metric(n, 'ilp_ledger_side_journal_replayed_total')).toBe(2);
    expect(await metric(n, 'ilp_ledger_side_journal_pending')).toBe(0);
    expect(await metric(n, 'ilp_ledger_reopen_attempts_total')).toBe(0);
    expect(n.getAccounts().find((a) => a.account === 'peer:bob')?.balance).toBe('-28');
  });

  // Skipped off CI where chattr +i does not work here; under CI=true it runs (e2fsprogs is installed there).
  it.skipIf(!canMakeImmutable() && !process.env.CI)('a write fault: faulted, the packet pending in the side journal, reopen attempts; then replayed', async () => {
    const dataDir = await acknowledgedStore(2);
    const { node: n } = node(dataDir);
    await n.start();
    const ledger = n.ledgerHandle as Ledger;
    setImmutable(storeLocation(dataDir), true);
    await expect(ledger.commitAsync({ ...entries.forward('lost-1', 'alice', 'bob', 7n, 7n), fresh: true })).rejects.toMatchObject({ code: 'LEDGER_WRITE_FAILED' });
    expect(await metric(n, 'ilp_ledger_faulted')).toBe(1);
    expect(await metric(n, 'ilp_ledger_side_journal_pending')).toBe(1);
    // the probe (every second) tries to reopen and fails while the store stays immutable
    await waitFor(async () => ((await metric(n, 'ilp_ledger_reopen_failures_total')) ?? 0) >= 1, 20_000, 'a failed reopen attempt');
    setImmutable(storeLocation(dataDir), false);
    // reopened, then the side journal's packet booked
    await waitFor(async () => (await metric(n, 'ilp_ledger_side_journal_replayed_total')) === 1, 20_000, 'the store reopened and the loss booked');
    expect(await metric(n, 'ilp_ledger_faulted')).toBe(0);
    expect(await metric(n, 'ilp_ledger_side_journal_pending')).toBe(0);
    const attempts = (await metric(n, 'ilp_ledger_reopen_attempts_total'))!;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(await metric(n, 'ilp_ledger_reopen_failures_total')).toBe(attempts - 1);
  }, 60_000);
});

describe('damage found while the node runs (phase read)', () => {
  it('stops the money path as a failed write does: T00 before forwarding, /health 503, ledger:fault LEDGER_CORRUPT, one error line', async () => {
    const dataDir = await acknowledgedStore(3);
    const { node: n, logs, events } = node(dataDir);
    await n.start();
    // the oldest journal page goes bad under the running node (damage LevelDB's own CRCs do not see:
    // a bad write through LevelDB, memory): its own CRC fails where it is read
    const db = (n.ledgerHandle as unknown as { db: Level<Buffer, Buffer> }).db;
    const pages: [Buffer, Buffer][] = [];
    for await (const [k, v] of db.iterator({ gte: Buffer.from('t'), lt: Buffer.from('u') })) pages.push([k, v]);
    const bad = Buffer.from(pages[0][1]);
    bad[bad.length - 1] ^= 1;
    await db.put(pages[0][0], bad);
    const send = () => {
      const data = Buffer.from('read-damage');
      return n.sendPacket({ destination: 'test.nowhere', amount: 5n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 10_000), data });
    };
    // before: the packet is routed (and finds no route)
    expect(await send()).toMatchObject({ type: IlpPacketType.Reject, code: 'F02' });
    expect((await fetch(`${n.endpoints.health}/health`)).status).toBe(200);
    await expect((n.ledgerHandle as Ledger).verify()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
    // after: refused before anything is routed
    expect(await send()).toMatchObject({ type: IlpPacketType.Reject, code: 'T00' });
    expect((await fetch(`${n.endpoints.health}/health`)).status).toBe(503);
    expect((await fetch(`${n.endpoints.health}/health/ready`)).status).toBe(503);
    expect(await metric(n, 'ilp_ledger_faulted')).toBe(1);
    expect(await metric(n, 'ilp_ledger_corruptions_total', 'phase="read"')).toBe(1);
    await waitFor(() => events.some((e) => e.type === 'ledger:fault'), 20_000, 'the ledger:fault event');
    expect(events.filter((e) => e.type === 'ledger:fault')).toEqual([expect.objectContaining({ code: 'LEDGER_CORRUPT', reason: expect.stringMatching(/fails its checksum/) })]);
    expect(events.filter((e) => e.type === 'ledger:corrupt')).toEqual([expect.objectContaining({ phase: 'read' })]);
    expect(logs.filter((l) => l.level === ERROR && /ledger store damaged: refusing payments/.test(l.msg))).toHaveLength(1);
  }, 60_000);
});
