/**
 * Sends our table to one peer: waits in IDLE until the peer's route control asks for SYNC, then sends
 * the changes from the epoch it acknowledged, at most MAX_EPOCHS_PER_UPDATE epochs at a time, at once
 * after a change and otherwise every broadcastIntervalMs as a heartbeat. An update that is rejected or
 * times out is sent again from the same epoch, and the owner is told (it asks the peer for SYNC too).
 */
import { CcpMode, serializeCcpRouteUpdateRequest, type CcpRouteControl, type CcpRouteUpdate } from '../../ilp/ccp.js';
import { IlpPacketType } from '../../ilp/packet.js';
import type { ForwardingTable, LogEntry } from './forwarding-table.js';

/** As ilp-connector: an update covers at most this many epochs. */
export const MAX_EPOCHS_PER_UPDATE = 50;
/** Smallest gap between two updates to one peer (ms), so a burst of changes goes out as one update. */
export const MIN_UPDATE_INTERVAL_MS = 50;

export interface SenderDeps {
  table: ForwardingTable;
  address(): string;
  holdDownMs: number;
  broadcastIntervalMs: number;
  /** whether this peer may be told about `entry`'s route (false: it gets a withdrawal instead) */
  exportable(entry: LogEntry): boolean;
  connected(): boolean;
  send(prepare: Buffer, deadline: number): Promise<Buffer>;
  onResult(ok: boolean, reason?: string): void;
}

export class CcpSender {
  mode: CcpMode = CcpMode.Idle;
  /** the epoch the peer has everything below */
  epoch = 0;
  sent = 0;
  failed = 0;
  /** route controls the peer sent us, by mode */
  readonly controlsReceived = { sync: 0, idle: 0 };
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private busy = false;
  /** bumped by every route control, so an answer to an older update cannot overwrite its epoch */
  private generation = 0;
  private stopped = false;

  constructor(
    readonly peerId: string,
    private readonly d: SenderDeps,
  ) {}

  handleControl(c: CcpRouteControl): void {
    this.generation++;
    if (c.mode === CcpMode.Sync) this.controlsReceived.sync++;
    else this.controlsReceived.idle++;
    this.mode = c.mode;
    this.epoch = c.lastKnownRoutingTableId === this.d.table.id ? Math.min(c.lastKnownEpoch, this.d.table.epoch) : 0;
    if (this.mode === CcpMode.Sync) this.schedule(0);
    else this.clearTimer();
  }

  /** Back to IDLE (the link went down): the peer's next route control starts again. */
  idle(): void {
    this.generation++;
    this.mode = CcpMode.Idle;
    this.clearTimer();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  /** Sends within `delayMs` (an earlier schedule stands). */
  schedule(delayMs: number): void {
    if (this.stopped || this.mode !== CcpMode.Sync) return;
    const due = Date.now() + Math.max(MIN_UPDATE_INTERVAL_MS, delayMs);
    if (this.timer && this.due <= due) return;
    this.clearTimer();
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendOnce();
    }, due - Date.now());
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async sendOnce(): Promise<void> {
    if (this.busy || this.stopped || this.mode !== CcpMode.Sync) return;
    if (!this.d.connected()) {
      this.schedule(this.d.broadcastIntervalMs);
      return;
    }
    const table = this.d.table;
    const from = this.epoch;
    const to = Math.min(table.epoch, from + MAX_EPOCHS_PER_UPDATE);
    const update: CcpRouteUpdate = {
      routingTableId: table.id,
      currentEpochIndex: table.epoch,
      fromEpochIndex: from,
      toEpochIndex: to,
      holdDownTime: this.d.holdDownMs,
      speaker: this.d.address(),
      newRoutes: [],
      withdrawnRoutes: [],
    };
    for (const e of table.entries(from, to)) {
      if (e.route && this.d.exportable(e)) update.newRoutes.push({ prefix: e.prefix, path: [...e.route.path], auth: e.route.auth, props: [] });
      else update.withdrawnRoutes.push(e.prefix);
    }
    const generation = this.generation;
    // the peer answers at once; wait no longer than a broadcast interval (at least 5 s on a busy machine)
    const timeoutMs = Math.min(60_000, Math.max(5000, this.d.broadcastIntervalMs));
    const deadline = Date.now() + timeoutMs;
    this.busy = true;
    let ok = false;
    let reason: string | undefined;
    try {
      const reply = await this.d.send(serializeCcpRouteUpdateRequest(update, new Date(deadline)), deadline);
      ok = reply[0] === IlpPacketType.Fulfill;
      if (!ok) reason = 'rejected';
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
    if (ok) {
      this.sent++;
      if (generation === this.generation) this.epoch = to;
    } else this.failed++;
    this.d.onResult(ok, reason);
    this.schedule(ok && this.epoch < this.d.table.epoch ? 0 : this.d.broadcastIntervalMs);
  }
}
