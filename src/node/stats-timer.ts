/**
 * The `node:stats` event once a second: rates over the last interval and the totals, from the event
 * stream's counters (the packet path builds no event for this).
 */
import type { EventStream } from './events.js';

/** Interval of the stats event, in ms. */
export const STATS_INTERVAL_MS = 1000;

/**
 * Starts the timer (unref'd: it never keeps the process alive).
 * @param inFlight packets in flight through the node now
 * @returns the function that stops it
 */
export function startStats(events: EventStream, inFlight: () => number): () => void {
  let lastFulfilled = 0;
  let lastRejected = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const snap = events.snapshot().totals;
    const now = Date.now();
    const secs = Math.max(0.001, (now - last) / 1000);
    const fulfilled = snap.fulfilled - lastFulfilled;
    const rejected = snap.rejected - lastRejected;
    lastFulfilled = snap.fulfilled;
    lastRejected = snap.rejected;
    last = now;
    const n = inFlight();
    events.setInFlight(n);
    events.emit({
      type: 'node:stats',
      packetsIn: Math.round((fulfilled + rejected) / secs),
      fulfilledPerSec: Math.round(fulfilled / secs),
      rejectedPerSec: Math.round(rejected / secs),
      inFlight: n,
      totalFulfilled: snap.fulfilled,
      totalRejected: snap.rejected,
    });
  }, STATS_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
