/**
 * A hub node with BTP peers played by hand: the hub (`g.hub`, no fee) with `alice` and `bob` as
 * children (tokens `<id>-secret`), node children of it, raw peers that log in over a real WebSocket
 * and record every frame, and the Prepares such a peer received with the Fulfill frame answering each
 * (the simple handler's convention: fulfillment = sha256(data)).
 */
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { BtpType, decodeBtp, deserializeIlpPacket, encodeAuthMessage, encodeBtpIlp, getIlpData, serializeFulfill } from '../../src/codec.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import type { Harness } from './node.js';

/**
 * A BTP peer played by hand over a real WebSocket: authenticates with the first frame, then records
 * every frame it gets and lets the test answer (or not) as it likes.
 */
export class RawPeer {
  readonly frames: Buffer[] = [];
  readonly closed: Promise<number>;
  private listeners: ((frame: Buffer) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.on('error', () => undefined);
  }

  /** Opens a socket and sends the auth message; resolves once the node answered it (RESPONSE or ERROR). */
  static async connect(url: string, username: string, token: string): Promise<{ peer: RawPeer; authReply: Buffer }> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const peer = new RawPeer(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const authReply = new Promise<Buffer>((resolve) => {
      ws.once('message', (d: Buffer) => {
        ws.on('message', (f: Buffer) => {
          peer.frames.push(f);
          for (const l of peer.listeners) l(f);
        });
        resolve(d);
      });
    });
    ws.send(encodeAuthMessage(1, username, token));
    return { peer, authReply: await authReply };
  }

  onFrame(fn: (frame: Buffer) => void): void {
    this.listeners.push(fn);
  }

  send(frame: Buffer): void {
    this.ws.send(frame, { binary: true });
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Starts the hub (`extra`: more config keys) with alice and bob as children at `creditLimit`; `url` is its BTP address. */
export async function startHub(h: Harness, creditLimit: string, extra: Record<string, unknown> = {}): Promise<{ hub: ConnectorNode; url: string }> {
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    feeBps: 0,
    ...extra,
    peers: [
      { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit },
      { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit },
    ],
  } as never);
  await hub.start();
  return { hub, url: `ws://127.0.0.1:${hub.btpPort}` };
}

/** Starts node `id` as a child of the hub at `url`. */
export async function startChild(h: Harness, url: string, id: string, creditLimit: string): Promise<ConnectorNode> {
  const node = h.node({ nodeId: id, peers: [{ id: 'hub', url, authToken: `${id}-secret`, relation: 'parent', creditLimit }] } as never);
  await node.start();
  return node;
}

/** Logs `id` in to the hub by hand (its login must be accepted); terminated in cleanup. */
export async function connectRaw(h: Harness, url: string, id: string): Promise<RawPeer> {
  const { peer, authReply } = await RawPeer.connect(url, id, `${id}-secret`);
  h.onCleanup(() => peer.terminate());
  expect(decodeBtp(authReply).type).toBe(BtpType.Response);
  return peer;
}

/** A Prepare a raw peer received: its request id, expiry (ms) and the RESPONSE frame that fulfils it. */
export interface ReceivedPrepare {
  requestId: number;
  expiresAt: number;
  fulfill: Buffer;
}

/** The Prepares `peer` received so far, in order. */
export function receivedPrepares(peer: RawPeer): ReceivedPrepare[] {
  const out: ReceivedPrepare[] = [];
  for (const f of peer.frames) {
    const frame = decodeBtp(f);
    const ilp = getIlpData(frame);
    if (frame.type !== BtpType.Message || ilp?.[0] !== IlpPacketType.Prepare) continue;
    const p = deserializeIlpPacket(ilp);
    if (p.type !== IlpPacketType.Prepare) continue;
    const fulfillment = computeConditionFromData(p.prepare.data).fulfillment;
    out.push({ requestId: frame.requestId, expiresAt: p.prepare.expiresAt.getTime(), fulfill: encodeBtpIlp(BtpType.Response, frame.requestId, serializeFulfill({ fulfillment, data: Buffer.alloc(0) })) });
  }
  return out;
}

/** Sends `amount` from `from` to `destination`, expiring in `expiresInMs`, with fresh data (sha256 condition). */
export function pay(from: ConnectorNode, destination: string, amount: bigint, expiresInMs: number) {
  const data = Buffer.from(`pay ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + expiresInMs), data });
}
