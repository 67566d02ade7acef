/**
 * The ceiling target: a bare relay that pipes WebSocket frames between two sockets without parsing them.
 *
 *   node --import tsx bench/one-hop/relay.ts <senderPort> <receiverPort>
 *
 * Each port accepts one BTP client. The relay answers the first frame of a socket (the auth MESSAGE)
 * with an empty RESPONSE carrying the same request id, then forwards every frame it receives, as is,
 * to the other socket: sender → receiver and receiver → sender. Writes made in one event-loop turn go
 * out in one corked write, like the connectors it is compared with. Prints `ready` when listening.
 */
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** An empty BTP RESPONSE: type 1, request id (patched), body length 2, protocol data count 0. */
const AUTH_RESPONSE = Buffer.from([1, 0, 0, 0, 0, 2, 1, 0]);

class Side {
  ws: WebSocket | undefined;
  private raw: Socket | undefined;
  private corked = false;

  attach(ws: WebSocket): void {
    this.ws?.terminate();
    this.ws = ws;
    this.raw = (ws as unknown as { _socket?: Socket })._socket;
  }

  send(frame: Buffer): void {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== 1) return;
    if (!this.corked && this.raw) {
      this.corked = true;
      this.raw.cork();
      setImmediate(this.uncork);
    }
    ws.send(frame, { binary: true });
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.raw?.uncork();
  };
}

function listen(port: number, self: Side, other: Side): Promise<WebSocketServer> {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: false });
    wss.once('error', reject);
    wss.once('listening', () => resolve(wss));
    wss.on('connection', (ws) => {
      ws.on('error', () => undefined);
      ws.once('message', (raw: RawData) => {
        const auth = raw as Buffer;
        const response = Buffer.from(AUTH_RESPONSE);
        auth.copy(response, 1, 1, 5); // same request id
        ws.send(response);
        self.attach(ws);
        ws.on('message', (frame: RawData) => other.send(frame as Buffer));
      });
    });
  });
}

async function main(): Promise<void> {
  const [senderPort, receiverPort] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(senderPort) || !Number.isInteger(receiverPort)) {
    throw new Error('usage: relay.ts <senderPort> <receiverPort>');
  }
  const sender = new Side();
  const receiver = new Side();
  const servers = [await listen(senderPort, sender, receiver), await listen(receiverPort, receiver, sender)];
  const stop = () => {
    for (const s of servers) s.close();
    sender.ws?.terminate();
    receiver.ws?.terminate();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`relay: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
