/**
 * Runs a node (or the demo's nodes) in this process until SIGINT/SIGTERM, a duration, the dashboard
 * quitting, or stdout closing; then stops it gracefully (in-flight packets drain, the ledger is flushed).
 *
 * Output: NDJSON events on stdout when not interactive (subscribed before start, so node:started is
 * never missed); otherwise the dashboard seam. Nothing else ever writes to stdout here.
 */
import type { ConnectorNode } from '../node/connector-node.js';
import { runInteractive, type InteractiveContext } from './dashboard-seam.js';
import { err } from './output.js';
import { eventFilter, writeEvents, type EventGroup } from './ndjson.js';

export interface SessionOptions {
  /** The node whose events are shown (the demo shows its hub). */
  view: ConnectorNode;
  /** Starts everything; the view's events are already subscribed when this runs. */
  start(): Promise<void>;
  /** Stops everything; must be idempotent. */
  stop(): Promise<void>;
  /** true: the dashboard seam; false: NDJSON on stdout. */
  interactive: boolean;
  groups: readonly EventGroup[];
  /** Stop by itself after this many ms. */
  durationMs?: number;
  context?: InteractiveContext;
}

/** Why the session ended. */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'duration' | 'dashboard' | 'stdout closed';

/** Runs until told to stop, then stops; resolves with the reason once everything is stopped. */
export async function runSession(o: SessionOptions): Promise<StopReason> {
  let requestStop: (reason: StopReason) => void = () => undefined;
  const stopRequested = new Promise<StopReason>((resolve) => {
    requestStop = resolve;
  });
  const keep = eventFilter(o.groups);
  const packets = o.groups.includes('packets') || o.groups.includes('all');
  const unsubscribe = o.interactive ? undefined : o.view.events.subscribe((batch) => writeEvents(batch, keep), { packets });

  let signalled = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (signalled) {
      // A second signal while draining: the operator wants out now.
      err(`${signal} again: exiting without waiting for the node to stop`);
      process.exit(130);
    }
    signalled = true;
    requestStop(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') requestStop('stdout closed');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.stdout.on('error', onStdoutError);
  let timer: NodeJS.Timeout | undefined;
  try {
    try {
      await o.start();
    } catch (e) {
      await o.stop().catch(() => undefined);
      throw e;
    }
    const dashboard = o.interactive ? runInteractive(o.view, o.context).then(() => requestStop('dashboard')) : undefined;
    if (o.durationMs !== undefined) timer = setTimeout(() => requestStop('duration'), o.durationMs);
    const reason = await stopRequested;
    await o.stop();
    await dashboard;
    return reason;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.stdout.off('error', onStdoutError);
    unsubscribe?.();
  }
}
