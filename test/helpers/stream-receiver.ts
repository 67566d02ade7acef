/**
 * The payee side of a STREAM payment made with the stock `ilp-protocol-stream` (npm), as the interop
 * tests use it: a STREAM server on an ilp-plugin-btp client that accepts any amount on every stream
 * and counts the money; and the Fulfills a node saw, to check each packet it forwarded.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'ilp-protocol-stream';
import { waitFor } from './node.js';
import type { BtpPlugin, InteropHarness } from './interop.js';
import type { ConnectorNode, NodeEvent } from '../../src/index.js';

/** What the tests use of an ilp-protocol-stream money stream. */
export interface MoneyStream {
  totalSent: string;
  totalReceived: string;
  setReceiveMax(max: number): void;
  sendTotal(amount: string): Promise<void>;
  on(event: 'money', cb: (amount: string) => void): void;
}

interface ServerConnection {
  totalReceived: string;
  on(event: 'stream', cb: (stream: MoneyStream) => void): void;
}

export interface StreamReceiver {
  destinationAccount: string;
  sharedSecret: Buffer;
  /** The money events' sum so far (payee's units). */
  received(): bigint;
  /** The server connections' totalReceived added up. */
  totalReceived(): bigint;
  /** The server side of every stream opened to it, in order. */
  streams: MoneyStream[];
  /**
   * Waits until money arrived and the server connections' totalReceived add up to it, and returns it.
   * ilp-protocol-stream sometimes opens a second, empty server-side connection (seen under load):
   * the money is what all of them received together.
   */
  settled(timeoutMs?: number): Promise<bigint>;
}

/** Starts a STREAM server on `payee` (connected), closed by `ih`'s cleanup. */
export async function startStreamReceiver(ih: InteropHarness, payee: BtpPlugin): Promise<StreamReceiver> {
  const server = await createServer({ plugin: payee, serverSecret: randomBytes(32) });
  ih.onCleanup(() => server.close());
  let received = 0n;
  const streams: MoneyStream[] = [];
  const connections: ServerConnection[] = [];
  server.on('connection', (conn: ServerConnection) => {
    connections.push(conn);
    conn.on('stream', (stream) => {
      streams.push(stream);
      stream.setReceiveMax(Infinity);
      stream.on('money', (amount: string) => {
        received += BigInt(amount);
      });
    });
  });
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret() as { destinationAccount: string; sharedSecret: Buffer };
  const total = () => connections.reduce((s, c) => s + BigInt(c.totalReceived), 0n);
  return {
    destinationAccount,
    sharedSecret,
    received: () => received,
    totalReceived: total,
    streams,
    async settled(timeoutMs = 20_000) {
      await waitFor(() => received > 0n && total() === received, timeoutMs, 'the payee has the money').catch((err: Error) => {
        throw new Error(`${err.message}: ${connections.length} connection(s), totalReceived ${connections.map((c) => c.totalReceived).join()}, money events ${received}`);
      });
      return received;
    },
  };
}

export type Fulfilled = Extract<NodeEvent, { type: 'packet:fulfilled' }>;

/** Every packet:fulfilled event `node` emits from now on, in order. */
export function fulfilledAt(node: ConnectorNode): Fulfilled[] {
  const fulfilled: Fulfilled[] = [];
  node.events.subscribe((batch) => {
    for (const e of batch) if (e.type === 'packet:fulfilled') fulfilled.push(e);
  });
  return fulfilled;
}
