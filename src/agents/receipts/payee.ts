/**
 * The payee's half: a Prepare that asks for a receipt (envelope.ts) reaches the local agent without
 * the request, and the agent's Fulfill goes back with a receipt this node signed. Prepares that do not
 * ask pass through untouched (one 8-byte compare). A reply too long to carry a receipt goes back
 * without one; the payer then keeps its own record.
 */
import type { Logger } from 'pino';
import { deserializeFulfill, IlpPacketType, serializeFulfill } from '../../node/ilp/packet.js';
import type { LocalDeliver } from '../../node/pipeline/packet-processor.js';
import type { Identity } from '../identity.js';
import { asksForReceipt, REQUEST, wrapReply } from './envelope.js';
import { signReceipt } from './receipt.js';

export interface PayeeOptions {
  identity: Identity;
  address: () => string;
  asset: { code: string; scale: number };
  logger: Logger;
  /** Called for each receipt given (events, metrics). */
  onSigned?: () => void;
}

/** `deliver` that answers receipt requests. */
export function withReceipts(deliver: LocalDeliver, o: PayeeOptions): LocalDeliver {
  return (p, view, data, deadline, cb) => {
    if (!asksForReceipt(data)) return deliver(p, view, data, deadline, cb);
    deliver(p, view, data.subarray(REQUEST.length), deadline, (ilp) => {
      if (ilp[0] !== IlpPacketType.Fulfill) return cb(ilp);
      let fulfill;
      try {
        fulfill = deserializeFulfill(ilp);
      } catch {
        return cb(ilp);
      }
      const receipt = signReceipt(o.identity, {
        payee: o.address(),
        destination: view.destination,
        packetId: p.packetId,
        amount: p.amountOut.toString(),
        assetCode: (p.assetOut ?? o.asset).code,
        assetScale: (p.assetOut ?? o.asset).scale,
        condition: p.condition.toString('base64'),
        fulfillment: fulfill.fulfillment.toString('base64'),
        receivedAt: new Date().toISOString(),
      });
      const data = wrapReply(JSON.stringify(receipt), fulfill.data);
      if (data === undefined) {
        o.logger.info({ packetId: p.packetId }, 'reply too long to carry a receipt: fulfilled without one');
        return cb(ilp);
      }
      o.onSigned?.();
      cb(serializeFulfill({ fulfillment: fulfill.fulfillment, data }));
    });
  };
}
