/**
 * What the packet path tells the world about a packet that ended: its `packet:fulfilled` or
 * `packet:rejected` event, and for a Fulfill it could not pass upstream the late-fulfill report (log
 * line, durable record, `packet:late-fulfill`). Kept out of packet-processor.ts, which is the path itself.
 */
import type { Logger } from 'pino';
import type { EventStream } from '../events.js';
import { deserializeReject } from '../ilp/packet.js';
import { conditionMatches, fulfillmentOffset } from './fulfillment.js';
import type { LateFulfillLog, LateReason } from './late-fulfills.js';
import type { InFlight } from './packet-processor.js';

/** Emits the packet's result event (call only while `events.packetsActive`). */
export function emitResult(events: EventStream, p: InFlight, ilp: Buffer, fulfilled: boolean): void {
  const latencyMs = Date.now() - p.started;
  if (fulfilled) {
    events.emit({
      type: 'packet:fulfilled',
      packetId: p.packetId,
      from: p.from,
      to: p.to,
      destination: p.destination,
      amount: p.amountIn.toString(),
      amountOut: p.amountOut.toString(),
      // in the next hop's asset, where it was earned (= amountIn − amountOut when both assets are the same)
      fee: (p.converted - p.amountOut).toString(),
      latencyMs,
    });
    return;
  }
  let code = 'T00';
  let message = '';
  let triggeredBy = '';
  try {
    const r = deserializeReject(ilp);
    code = r.code;
    message = r.message;
    triggeredBy = r.triggeredBy;
  } catch {
    // keep the defaults
  }
  events.emit({
    type: 'packet:rejected',
    packetId: p.packetId,
    from: p.from,
    to: p.to || undefined,
    destination: p.destination,
    amount: p.amountIn.toString(),
    code,
    message,
    triggeredBy,
    latencyMs,
  });
}

/**
 * A Fulfill from the next hop we cannot pass upstream: not booked, recorded per next hop for
 * reconciliation. An answer that is no Fulfill of this packet's condition is ignored: it proves nothing.
 */
export function reportLate(o: { logger: Logger; events: EventStream; lateFulfills?: LateFulfillLog }, p: InFlight, ilp: Buffer | undefined, reason: LateReason): void {
  if (ilp === undefined || ilp[0] !== 13) return;
  const at = fulfillmentOffset(ilp);
  if (at < 0 || !conditionMatches(ilp, at, p.condition)) return;
  const amount = p.amountOut.toString();
  o.logger.warn({ packetId: p.packetId, to: p.to, from: p.from, amount, reason }, 'fulfill could not be passed upstream; not booked, recorded as a late fulfill');
  o.lateFulfills?.record({ at: new Date().toISOString(), packetId: p.packetId, peer: p.to, amount, from: p.from, destination: p.destination, reason });
  if (o.events.active) o.events.emit({ type: 'packet:late-fulfill', packetId: p.packetId, to: p.to, destination: p.destination, amount, reason });
}
