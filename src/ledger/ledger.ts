/**
 * The ledger: balances in LevelDB, reservations in memory, one journal entry per fulfilled packet.
 *
 * Hot path (synchronous, no promise per packet): `reserve` checks the credit limit, `commit` books an
 * entry into the current group, and the group of every commit made in one event-loop turn is written
 * as one LevelDB batch (see `write-lane.ts`): the entries, one journal page, and one delta record with
 * the change of each touched account (never an absolute balance). Callbacks run once their batch is
 * written, so a Fulfill goes upstream only after its entry is on disk (`sync: true`, the node's
 * default: after an fdatasync covering it; `sync: false`: in the OS page cache, survives kill -9).
 *
 * Fail-stop: from the first failed write the ledger is in the fault state (`fault`): the node refuses
 * new Prepares, the packets of failed batches are in the side journal, and a probe reopens the store
 * every `probeIntervalMs`; once it opens, the side journal's losses are booked and the fault clears.
 *
 * Replays: an id booked before (in this process, or still in the journal after a restart) books
 * nothing. Once an entry is folded into checkpoints (older than `journalRetentionMs`) its id is
 * forgotten: a replay that late would be booked again.
 */
import { trackPendingUp } from './account.js';
import { LedgerError } from './errors.js';
import { Folder } from './folder.js';
import { safely, type Callback } from './group.js';
import { closedError } from './group-lane.js';
import { openLedgerFiles, openWithLosses, type OpenedStore } from './reopen.js';
import type { SideJournal } from './side-journal.js';
import { buildSnapshot, planImport } from './snapshot.js';
import { SnapshotSchedule, writeSnapshotFile, type SnapshotScheduleHooks } from './snapshot-files.js';
import { findEntry, scanStore, verifyStore, writeImport } from './store.js';
import { ACK_SLOTS, type AckFile } from './integrity/ack-file.js';
import { StoreSignals, type CorruptionInfo, type StoreSignalCounts } from './store-signals.js';
import { type AccountId, type JournalEntry, type LedgerOptions, type LedgerSnapshot, type Reservation, type VerifyResult } from './types.js';
import { WriteLane } from './write-lane.js';
import { readAssets, sumByRecordedAsset, writeAssets } from './asset-records.js';
import type { LedgerAsset } from './assets.js';

export type { LedgerFault, WriteHook } from './write-lane.js';

const DEFAULT_RETENTION_MS = 900_000;
const DEFAULT_COMPACT_MS = 5_000;
const DEFAULT_RECENT_IDS = 2_000_000;
/**
 * Batches written at once with `sync: false`. With `sync: true` the default is 1: LevelDB runs one
 * synced write at a time (its writer queue), so a second batch in flight only waits in that queue,
 * its members fixed early: a commit made after it went out waits for the write in progress, that
 * batch's fdatasync and then its own. With one in flight it waits for the write in progress and its own.
 */
const DEFAULT_IN_FLIGHT = 3;
const DEFAULT_PROBE_MS = 1_000;
const CONSOLIDATE_MS = 1_000;

/** The node's ledger. Create with `Ledger.open`. */
export class Ledger extends WriteLane {
  private consolidateTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private reopening = false;
  private closing: Promise<void> | undefined;
  private readonly folder: Folder;
  private readonly snapshots: SnapshotSchedule;
  /** Hears about scheduled snapshots (`LedgerOptions.snapshot`): each file written, each failure. */
  snapshotHooks: SnapshotScheduleHooks = {};
  /** Hears of each distinct damage found after open (a reopen's check, a page failing its CRC where it is read). */
  onCorrupt?: (info: CorruptionInfo) => void;
  private readonly sig = new StoreSignals();
  /** Side journal packets read for booking and not booked yet. */
  private unbooked = 0;

  private constructor(
    private readonly opts: LedgerOptions,
    private readonly capacity: number,
    side: SideJournal,
    ack: AckFile,
    opened: OpenedStore,
  ) {
    super(opened.db, side, ack, Math.min(ACK_SLOTS, Math.max(1, Math.floor(opts.maxBatchesInFlight ?? (opts.sync === true ? 1 : DEFAULT_IN_FLIGHT)))), opts.sync === true, capacity, opened.state.maxDeltaSeq);
    this.checkpoints = opened.state.checkpoints;
    this.folder = new Folder(() => this.db, {
      retentionMs: opts.journalRetentionMs ?? DEFAULT_RETENTION_MS,
      intervalMs: opts.compactIntervalMs ?? DEFAULT_COMPACT_MS,
      sync: opts.sync === true,
      checkpoints: () => this.checkpoints,
      folded: (checkpoints) => {
        this.checkpoints = checkpoints;
      },
      foldedBefore: (cutoff) => this.recent.foldedBefore(cutoff),
      failed: (err) => this.readDamage(err),
    });
    this.load(opened);
    this.sig.tornTails = opened.torn;
    this.sig.onCorrupt = (info) => this.onCorrupt?.(info);
    // A faulted ledger's store is closed or failing: no snapshot until it works again.
    this.snapshots = new SnapshotSchedule(opts.snapshot?.intervalMs ?? 0, () => (this.faultState !== undefined ? Promise.resolve() : this.snapshotNow()).then(() => undefined, (err: unknown) => this.snapshotHooks.failed?.(err)));
  }

  /** Writes a verified snapshot to `<dataDir>/ledger-snapshots/` now (as the schedule does); resolves with its file. */
  async snapshotNow(): Promise<string> {
    const snap = await this.exportSnapshot();
    const file = writeSnapshotFile(this.opts.dataDir, snap, this.opts.snapshot?.keep ?? 3);
    const info = { file, entries: snap.journal.length, accounts: Object.keys(snap.balances).length };
    if (this.snapshotHooks.written) safely(() => this.snapshotHooks.written!(info));
    return file;
  }

  private checkpoints: Map<AccountId, bigint>;

  /**
   * Opens (or creates) the ledger in `<dataDir>/ledger` and restores the stored balances; reservations
   * start empty. Losses left in the side journal by a failed write are booked before it resolves.
   * Throws LedgerInUseError when another process holds the store, LedgerOpenError otherwise.
   */
  static async open(opts: LedgerOptions): Promise<Ledger> {
    const capacity = Math.max(0, opts.recentIdCapacity ?? DEFAULT_RECENT_IDS);
    const { side, ack, opened } = await openLedgerFiles(opts, capacity);
    const ledger = new Ledger(opts, capacity, side, ack, opened);
    try {
      await ledger.bookLosses(opened.losses);
    } catch (err) {
      await ledger.close().catch(() => undefined);
      throw err;
    }
    ledger.folder.start();
    ledger.snapshots.start();
    ledger.consolidateTimer = setInterval(() => ledger.consolidateInBackground(), CONSOLIDATE_MS);
    ledger.consolidateTimer.unref();
    return ledger;
  }

  /** Storage-fault counters since open (`/metrics`): damage found, torn tails, side journal, reopens. */
  get signals(): StoreSignalCounts {
    this.sig.sidePending = (this.faultState?.recorded ?? 0) + this.unbooked;
    return this.sig;
  }

  /** The node's data directory this ledger was opened in. */
  get dataDir(): string {
    return this.opts.dataDir;
  }

  /**
   * Atomically: book the entry (idempotent by id), release `reservation` {peerId, amount} if given, then
   * call cb after the batch is written. cb(err) on write failure (then nothing was booked and the
   * reservation is still released). Throws a LedgerError when the entry is malformed or unbalanced
   * (LEDGER_INVALID_ENTRY, LEDGER_UNBALANCED_ENTRY) or the ledger is closed: nothing is booked and,
   * as with a write failure, the reservation is released all the same.
   */
  commit(entry: JournalEntry, reservation: Reservation | undefined, cb: Callback, ctx?: unknown): void {
    this.admit(entry, reservation);
    const accts = this.postingAccounts(entry);
    const id = entry.id;
    if (this.joinPending(id, cb, ctx)) return;
    // Maybe booked before (fingerprint match), or memory does not hold every id: settled on disk when
    // the batch is built. Until then the entry counts against the limit like any other.
    // A fresh id (minted by this process, see JournalEntry.fresh) cannot have been booked: no lookup, not remembered.
    const fresh = entry.fresh === true;
    const check = !fresh && (this.recent.mayHave(id) || this.recent.incomplete);
    trackPendingUp(accts, entry.postings, 1);
    this.addItem({ entry, ts: entry.ts ?? Date.now(), accts, hi: fresh ? 0 : this.recent.hi, lo: fresh ? 0 : this.recent.lo, check, replay: false, fresh }, cb, ctx);
  }

  /**
   * A journal entry by id while it is inside the retention window (folded entries are gone). A packet's
   * entry lives inside its batch's journal page and is found by searching the pages newest first: a
   * tool's lookup, not something to call per packet.
   */
  async getEntry(id: string): Promise<JournalEntry | undefined> {
    if (this.closed) throw closedError();
    return findEntry(this.db, id).catch((err: unknown) => this.readFailed(err));
  }

  /**
   * Recomputes every balance from checkpoints + journal (one consistent read) and compares with the
   * stored ones; with accounts in more than one asset, each asset's balances must also sum to zero (`assets`).
   */
  async verify(): Promise<VerifyResult> {
    if (this.closed) throw closedError();
    await this.flush();
    const result = await verifyStore(this.db).catch((err: unknown) => this.readFailed(err));
    const recorded = await readAssets(this.db);
    const fallback = recorded.get('agent');
    if (fallback === undefined) return result;
    const sums = sumByRecordedAsset(this.balances(), recorded, fallback);
    if (sums.size < 2) return result; // one asset: the total is its sum
    const assets = Object.fromEntries([...sums].map(([k, v]) => [k, v.toString()]));
    return { ...result, ok: result.ok && [...sums.values()].every((v) => v === 0n), assets };
  }

  /** Each account's asset as the store records it (accounts without a record take the node's asset). */
  async accountAssets(): Promise<Map<AccountId, LedgerAsset>> {
    if (this.closed) throw closedError();
    return readAssets(this.db);
  }

  /** Records the assets of accounts in the store (one synced batch). Not for the packet path. */
  async recordAssets(assets: Iterable<[AccountId, LedgerAsset]>): Promise<void> {
    if (this.closed) throw closedError();
    await writeAssets(this.db, assets, true);
  }

  /** Balances, checkpoints and the journal as JSON-ready data (one consistent read). */
  async exportSnapshot(): Promise<LedgerSnapshot> {
    if (this.closed) throw closedError();
    await this.flush();
    const scan = await scanStore(this.db, true).catch((err: unknown) => this.readFailed(err));
    const assets = [...(await readAssets(this.db))].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, a]) => [k, `${a.code}@${a.scale}`]);
    return { ...buildSnapshot(scan.balances, scan.checkpoints, scan.entries), ...(assets.length > 0 ? { assets: Object.fromEntries(assets) as Record<AccountId, string> } : {}) };
  }

  /**
   * Loads a snapshot into an empty ledger in one batch. Throws LEDGER_NOT_EMPTY if anything is booked
   * and LEDGER_SNAPSHOT_INVALID if the snapshot is malformed or does not balance.
   */
  async importSnapshot(snapshot: LedgerSnapshot): Promise<void> {
    if (this.closed) throw closedError();
    const plan = planImport(snapshot);
    const booked = [...this.accts.values()].filter((a) => a.booked).length;
    const journal = this.recent.size + (this.recent.incomplete ? 1 : 0);
    if (booked > 0 || journal > 0 || this.checkpoints.size > 0 || this.pending.size > 0 || this.inFlight.length > 0 || this.laneHeld) {
      throw new LedgerError(
        'LEDGER_NOT_EMPTY',
        `Cannot import: the ledger in ${this.opts.dataDir} already holds ${booked} accounts and ${journal} journal entries`,
        'Import into an empty data directory (export and move the current one away first).',
      );
    }
    // Hold the write lane: commits made meanwhile are written after the import, on top of it.
    this.laneHeld = true;
    try {
      // No consolidation may write base balances under the import (an empty ledger has none to do).
      while (this.consolidating !== undefined) await this.consolidating.catch(() => undefined);
      // Folding is held off so it cannot fold imported entries into checkpoints it read before the import.
      await this.folder.hold(async () => {
        await writeImport(this.db, plan);
        await writeAssets(this.db, plan.assets, true);
        this.checkpoints = new Map(plan.checkpoints);
      });
      for (const [account, b] of plan.balances) {
        const a = this.account(account);
        a.balance = b;
        a.base = b;
        a.booked = true;
      }
    } catch (err) {
      throw new LedgerError('LEDGER_WRITE_FAILED', `Import failed, nothing was written: ${(err as Error).message}`, 'Check the disk, then retry.', { cause: err });
    } finally {
      this.laneHeld = false;
      if (!this.group.empty) this.schedule();
    }
    for (const e of plan.entries) this.recent.addId(e.id, e.ts ?? 0);
    if (plan.balances.size > 0 && this.onBalanceChanged) safely(() => this.onBalanceChanged!(new Map(plan.balances)));
  }


  /** Stops folding, writes what is pending, consolidates the delta records, closes the store. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      if (this.consolidateTimer) clearInterval(this.consolidateTimer);
      if (this.probeTimer) clearInterval(this.probeTimer);
      await this.snapshots.stop();
      await this.folder.stop();
      await this.flush();
      while (this.consolidating !== undefined) await this.consolidating.catch(() => undefined);
      // Left-over delta records are consolidated at the next open if this fails.
      if (this.unconsolidated.length > 0 && this.faultState === undefined) await this.consolidate().catch(() => undefined);
      this.side.close();
      this.ack.close();
      await this.db.close().catch((err: unknown) => {
        if (this.faultState === undefined) throw err;
      });
    })();
    return this.closing;
  }

  /**
   * Folds the journal entries booked before `before` (ms since the epoch; default now minus the
   * retention window) into checkpoints now; a background timer does it too. Resolves with how many.
   */
  foldNow(before?: number): Promise<number> {
    return this.folder.run(before);
  }

  // ---- internals ----

  /** Sets balances and remembered ids from a freshly opened store (`again`: a reopen after a fault). */
  private load(opened: OpenedStore, again = false): void {
    const { state } = opened;
    for (const a of this.accts.values()) {
      a.balance = 0n;
      a.base = 0n;
    }
    for (const [id, balance] of state.balances) {
      const a = this.account(id);
      a.balance = balance;
      a.base = balance;
      a.booked = true;
    }
    this.checkpoints = state.checkpoints;
    if (again) {
      // A failed batch may have reached the disk after all: look every non-fresh id up on disk.
      this.recent.markDiskOnly(Date.now());
      return;
    }
    for (const r of state.recent) this.recent.addId(r.id, r.ts);
    if (state.diskOnlyUntil > 0) this.recent.markDiskOnly(state.diskOnlyUntil);
  }

  /** Books the side journal's losses, then empties it. Throws (the ledger stays faulted) when a write fails. */
  private async bookLosses(losses: JournalEntry[]): Promise<void> {
    if (losses.length === 0) return;
    this.unbooked = losses.length;
    await Promise.all(losses.map((e) => this.commitAsync(e)));
    this.side.clear();
    this.sig.sideReplayed += losses.length;
    this.unbooked = 0;
  }

  /** A read of the store failed: damage is counted and reported (once) and stops the money path, then the error goes on. */
  private readFailed(err: unknown): never {
    this.readDamage(err);
    throw err;
  }

  /**
   * Damage found reading the store (verify, export, folding, getEntry): counted and reported once, and
   * fail-stop as a failed write is (the node refuses Prepares with T00, /health answers 503), but with
   * no probe: damage does not heal. Writes go on (packets already forwarded are still booked); the
   * fault stays until a restart, whose open check refuses the store when the damage is where it reads.
   */
  private readDamage(err: unknown): void {
    if (!this.sig.corrupt(err, 'read') || this.closed) return;
    if (this.faultState === undefined) this.enterFault(err, 'LEDGER_CORRUPT');
    else if (this.faultState.code !== 'LEDGER_CORRUPT') {
      // faulted on a write already: the reopen must not clear what the damage says
      this.faultState.code = 'LEDGER_CORRUPT';
      this.faultState.reason = this.describe(err);
    }
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  protected faulted(): void {
    if (this.probeTimer !== undefined || this.closed || this.faultState?.code === 'LEDGER_CORRUPT') return;
    this.probeTimer = setInterval(() => void this.probe(), this.opts.probeIntervalMs ?? DEFAULT_PROBE_MS);
    this.probeTimer.unref();
  }

  /** Tries to reopen the store once no batch is in flight; on success books the losses and clears the fault. */
  private async probe(): Promise<void> {
    if (this.reopening || this.closed || this.inFlight.length > 0 || this.consolidating !== undefined) return;
    const fault = this.faultState;
    if (fault === undefined) return;
    this.reopening = true;
    this.laneHeld = true;
    this.sig.reopenAttempts++;
    let opened: OpenedStore | undefined;
    try {
      opened = await this.folder.hold(async () => {
        await this.db.close().catch(() => undefined);
        const o = await openWithLosses(this.opts.dataDir, this.capacity, this.side, this.opts.onWarning);
        this.db = o.db;
        // Everything written so far was consolidated by the open: start over from the store's state.
        this.unconsolidated = [];
        this.load(o, true);
        this.sig.tornTails += o.torn;
        return o;
      });
    } catch (err) {
      this.sig.reopenFailures++;
      // Damage does not heal: stop probing (each try would copy the store aside again); the fault stays.
      if (this.sig.corrupt(err, 'reopen')) clearInterval(this.probeTimer);
      // else still broken: the next tick tries again (the old handle is closed, so writes keep failing)
    } finally {
      this.laneHeld = false;
      this.reopening = false;
      if (!this.group.empty) this.schedule();
    }
    if (opened === undefined || this.closed) return;
    // damage found reading meanwhile (verify, export): that fault stays, the losses wait for the next open
    if (fault.code === 'LEDGER_CORRUPT') return;
    this.faultState = undefined;
    try {
      await this.bookLosses(opened.losses);
    } catch {
      return; // the write failed again: enterFault ran, the probe keeps going
    }
    if (this.faultState !== undefined) return;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    const info = { lossesBooked: opened.losses.length, downMs: Date.now() - fault.since };
    if (this.onRecovered) safely(() => this.onRecovered!(info));
  }
}
