/**
 * Local delivery: hands a Prepare addressed to this node to the agent and turns the agent's answer
 * into a serialized Fulfill or Reject. One slot holds the handler: setPacketHandler (simple, seed
 * PaymentRequest/Response) and setLocalDeliveryHandler (raw, ILP terms) share it, the last one wins.
 * With no in-process handler, `localDelivery.handlerUrl` (POST /handle-packet) is used when enabled.
 */
import type { Logger } from 'pino';
import { serializeFulfill, serializeReject, type PrepareView } from '../ilp/packet.js';
import type { PaymentHandler, LocalDeliveryHandler, LocalDeliveryResponse, PaymentRequest, PaymentResponse } from '../types.js';
import { adaptPaymentResponse, generatePaymentId } from './payment-adapter.js';
import type { InFlight } from '../pipeline/packet-processor.js';

export interface HttpDelivery {
  deliver(
    req: PaymentRequest,
    timeoutMs: number,
  ): Promise<PaymentResponse | { error: { code: string; message: string } }>;
}

type Slot = { kind: 'simple'; handler: PaymentHandler } | { kind: 'raw'; handler: LocalDeliveryHandler };

const ILP_CODE = /^[FTR][0-9]{2}$/;

export class LocalDelivery {
  private slot: Slot | undefined;

  constructor(
    private readonly address: () => string,
    private readonly logger: Logger,
    private readonly http?: HttpDelivery,
  ) {}

  setPacketHandler(handler: PaymentHandler | null): void {
    this.slot = handler ? { kind: 'simple', handler } : undefined;
  }

  setLocalDeliveryHandler(handler: LocalDeliveryHandler | null): void {
    this.slot = handler ? { kind: 'raw', handler } : undefined;
  }

  get hasHandler(): boolean {
    return this.slot !== undefined || this.http !== undefined;
  }

  /** Delivers; `cb` gets exactly one serialized Fulfill or Reject. Never throws. */
  readonly deliver = (p: InFlight, view: PrepareView, data: Buffer, deadline: number, cb: (ilp: Buffer) => void): void => {
    const left = deadline - Date.now();
    if (left <= 0) return cb(this.reject('R00', 'packet expired before delivery'));
    let settled = false;
    const done = (ilp: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cb(ilp);
    };
    const timer = setTimeout(() => done(this.reject('R00', 'local handler did not answer before the packet expired')), left);
    const slot = this.slot;
    const run = async (): Promise<Buffer> => {
      if (slot?.kind === 'raw') {
        const resp = await slot.handler(
          {
            destination: view.destination,
            amount: p.amountOut.toString(),
            executionCondition: p.condition.toString('base64'),
            expiresAt: new Date(view.expiresAtMs).toISOString(),
            data: data.toString('base64'),
            sourcePeer: p.from,
            packetId: p.packetId,
          },
          p.from,
        );
        return this.fromRaw(resp);
      }
      const request = {
        paymentId: generatePaymentId(),
        destination: view.destination,
        amount: p.amountOut.toString(),
        expiresAt: new Date(view.expiresAtMs).toISOString(),
        data: data.length > 0 ? data.toString('base64') : undefined,
      };
      if (slot?.kind === 'simple') {
        return this.fromSimple(await slot.handler(request), data);
      }
      if (this.http) {
        const resp = await this.http.deliver(request, left);
        if ('error' in resp) return this.reject(resp.error.code, resp.error.message);
        return this.fromSimple(resp, data);
      }
      return this.reject('F02', 'no local handler: call setPacketHandler() or enable localDelivery.handlerUrl');
    };
    run().then(done, (err: unknown) => {
      this.logger.warn({ packetId: p.packetId, err: err instanceof Error ? err.message : String(err) }, 'local handler threw');
      done(this.reject('T00', 'Internal error processing payment'));
    });
  };

  private fromSimple(resp: PaymentResponse, data: Buffer): Buffer {
    if (resp === null || typeof resp !== 'object' || typeof resp.accept !== 'boolean') {
      return this.reject('T00', 'Malformed response from the packet handler: `accept` must be a boolean');
    }
    const r = adaptPaymentResponse(resp, data);
    if ('fulfill' in r) return serializeFulfill(r.fulfill);
    return this.reject(r.reject.code, r.reject.message, r.reject.data);
  }

  private fromRaw(resp: LocalDeliveryResponse): Buffer {
    if (resp?.fulfill && typeof resp.fulfill.fulfillment === 'string') {
      const fulfillment = Buffer.from(resp.fulfill.fulfillment, 'base64');
      if (fulfillment.length !== 32) return this.reject('T00', 'handler returned a fulfillment that is not 32 bytes');
      return serializeFulfill({ fulfillment, data: resp.fulfill.data ? Buffer.from(resp.fulfill.data, 'base64') : Buffer.alloc(0) });
    }
    if (resp?.reject && typeof resp.reject.code === 'string') {
      const code = ILP_CODE.test(resp.reject.code) ? resp.reject.code : 'F99';
      return this.reject(code, String(resp.reject.message ?? 'rejected'), resp.reject.data ? Buffer.from(resp.reject.data, 'base64') : undefined);
    }
    return this.reject('T00', 'handler returned neither fulfill nor reject');
  }

  private reject(code: string, message: string, data?: Buffer): Buffer {
    return serializeReject({ code, triggeredBy: this.address(), message, data: data ?? Buffer.alloc(0) });
  }
}
