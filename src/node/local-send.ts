/**
 * `sendPacket` of the library: a Prepare from the local agent, checked and serialized here, then
 * handed to the packet path as if it came from the LOCAL source. Bad input is answered with an F00
 * Reject (an expected outcome), never thrown.
 */
import { deserializeIlpPacket, serializePrepare, IlpPacketType, type IlpFulfill, type IlpReject } from './ilp/packet.js';
import type { PacketProcessor } from './pipeline/packet-processor.js';
import { LOCAL } from './routing/routing-table.js';
import type { SendPacketParams } from './types.js';

/** What sendPacket resolves to: the Fulfill or the Reject, tagged with the ILP packet type. */
export type SendPacketResult = ({ type: typeof IlpPacketType.Fulfill } & IlpFulfill) | ({ type: typeof IlpPacketType.Reject } & IlpReject);

/** A Reject triggered by this node (`address`). */
export function localReject(address: string, code: string, message: string): SendPacketResult {
  return { type: IlpPacketType.Reject, code, message, triggeredBy: address, data: Buffer.alloc(0) };
}

/**
 * Sends `params` through `processor` from the local agent; resolves to the Fulfill or the Reject.
 * `onPacketId` gets the id the pipeline gave the packet (not called when it is refused before).
 */
export function sendFromAgent(
  processor: PacketProcessor,
  params: SendPacketParams,
  address: string,
  onPacketId?: (packetId: string) => void,
  /** The local policy counts this send: the spend memo account its entry books the amount on. */
  spendMemo?: string,
): Promise<SendPacketResult> {
  if (!Buffer.isBuffer(params.executionCondition) || params.executionCondition.length !== 32) {
    return Promise.resolve(localReject(address, 'F00', 'executionCondition must be a 32-byte Buffer'));
  }
  if (params.executionCondition.every((b) => b === 0)) {
    return Promise.resolve(
      localReject(address, 'F00', 'executionCondition is all zeros, which no fulfillment can match: use computeConditionFromData(data).condition'),
    );
  }
  let buf: Buffer;
  try {
    buf = serializePrepare({
      amount: BigInt(params.amount),
      expiresAt: params.expiresAt,
      executionCondition: params.executionCondition,
      destination: params.destination,
      data: params.data ?? Buffer.alloc(0),
    });
  } catch (err) {
    return Promise.resolve(localReject(address, 'F00', `invalid packet: ${err instanceof Error ? err.message : String(err)}`));
  }
  return new Promise((resolve) => {
    const packetId = processor.handle(LOCAL, 0, buf, { respondIlp: (_requestId, ilp) => resolve(toResult(ilp)), spendMemo });
    if (packetId !== undefined) onPacketId?.(packetId);
  });
}

function toResult(ilp: Buffer): SendPacketResult {
  const packet = deserializeIlpPacket(ilp);
  if (packet.type === IlpPacketType.Fulfill) return { type: IlpPacketType.Fulfill, ...packet.fulfill };
  if (packet.type === IlpPacketType.Reject) return { type: IlpPacketType.Reject, ...packet.reject };
  throw new Error('unexpected ILP packet type in a response');
}
