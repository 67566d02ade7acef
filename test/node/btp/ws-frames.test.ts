/**
 * The data frames a link writes itself (src/node/btp/ws-frames.ts): read back by ws's own parser, and
 * carried both ways between two BtpLinks over a real loopback socket (server frames plain, client
 * frames masked), at every length class, several frames per turn, in order.
 */
import { once, type EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { BtpLink, type LinkHandlers } from '../../../src/node/btp/btp-link.js';
import { maskPayload, writeWsHeader, wsHeaderSize } from '../../../src/node/btp/ws-frames.js';

/** ws's frame parser, the one every BTP peer built on ws reads our frames with (not in @types/ws). */
type ReceiverLike = EventEmitter & { write(chunk: Buffer): boolean };
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (o: { isServer: boolean; maxPayload: number; binaryType: string }) => ReceiverLike };

const SIZES = [0, 1, 3, 125, 126, 127, 1000, 65_535, 65_536, 70_001];

function payload(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Frames the payloads the way a link's flush does, all into one buffer. */
function frameAll(payloads: Buffer[], masked: boolean): Buffer {
  const out = Buffer.alloc(payloads.reduce((s, p) => s + wsHeaderSize(p.length, masked) + p.length, 0));
  let off = 0;
  for (const p of payloads) {
    const start = writeWsHeader(out, off, p.length, masked);
    off = start + p.copy(out, start);
    if (masked) maskPayload(out, start, off);
  }
  expect(off).toBe(out.length);
  return out;
}

/** Feeds `bytes` to ws's Receiver (a server expects masked frames, a client plain ones). */
async function parse(bytes: Buffer, isServer: boolean, count: number): Promise<Buffer[]> {
  const r = new Receiver({ isServer, maxPayload: 0, binaryType: 'nodebuffer' });
  const got: Buffer[] = [];
  const errors: Error[] = [];
  r.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(true);
    got.push(Buffer.from(data));
  });
  r.on('error', (err: Error) => errors.push(err));
  // in odd-sized pieces, as a socket would deliver them
  for (let off = 0; off < bytes.length; off += 7919) r.write(bytes.subarray(off, off + 7919));
  for (let i = 0; i < 50 && got.length < count && errors.length === 0; i++) await new Promise((res) => setImmediate(res));
  expect(errors).toEqual([]);
  return got;
}

describe('ws-frames: hand-written data frames', () => {
  it.each([
    ['plain (server to client)', false],
    ['masked (client to server)', true],
  ])('%s frames of every length class read back through ws', async (_name, masked) => {
    const payloads = SIZES.map((n, i) => payload(n, i));
    const bytes = frameAll(payloads, masked);
    const got = await parse(bytes, masked, payloads.length);
    expect(got.length).toBe(payloads.length);
    got.forEach((g, i) => expect(g.equals(payloads[i])).toBe(true));
  });

  it('masks every frame with its own key, never the payload as is', () => {
    const p = payload(64, 1);
    const keys = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const f = frameAll([p], true);
      expect(f[1]).toBe(0x80 | 64);
      keys.add(f.subarray(2, 6).toString('hex'));
      expect(f.subarray(6).equals(p)).toBe(false);
    }
    // 3000 random 32-bit keys (across a pool refill at 2048): a repeat is not impossible, but rare
    expect(keys.size).toBeGreaterThan(2990);
  });

  it('writes the header lengths of RFC 6455 section 5.2', () => {
    const b = Buffer.alloc(16);
    expect(writeWsHeader(b, 0, 125, false)).toBe(2);
    expect([...b.subarray(0, 2)]).toEqual([0x82, 125]);
    expect(writeWsHeader(b, 0, 126, false)).toBe(4);
    expect([...b.subarray(0, 4)]).toEqual([0x82, 126, 0, 126]);
    expect(writeWsHeader(b, 0, 65_536, false)).toBe(10);
    expect([...b.subarray(0, 10)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(writeWsHeader(b, 0, 65_536, true)).toBe(14);
    expect(b[1]).toBe(0x80 | 127);
    expect(wsHeaderSize(125, false) + wsHeaderSize(126, true) + wsHeaderSize(65_536, false)).toBe(2 + 8 + 10);
  });
});

describe('BtpLink over a real socket', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  it('carries ILP frames and other frames both ways, in order, at every length class', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 1 << 20 });
    closers.push(() => wss.close());
    await once(wss, 'listening');
    const port = (wss.address() as AddressInfo).port;
    const serverSide = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, maxPayload: 1 << 20 });
    closers.push(() => client.terminate());
    await once(client, 'open');
    const [server] = await serverSide;
    const logger = pino({ level: 'silent' });

    // Each side answers a request with its ILP bytes reversed, or, for an empty packet, a BTP error.
    const answering = (): LinkHandlers => ({
      onIlpRequest(link, requestId, ilp) {
        if (ilp.length === 0) link.respondError(requestId, 'F00', 'NotAcceptedError', 'empty');
        else link.respondIlp(requestId, Buffer.from(ilp).reverse());
      },
      onClose() {},
    });
    const inbound = new BtpLink('client', server, 'inbound', answering(), logger);
    const outbound = new BtpLink('server', client, 'outbound', answering(), logger);

    for (const [from, name] of [
      [outbound, 'client to server (masked)'],
      [inbound, 'server to client (plain)'],
    ] as const) {
      const order: number[] = [];
      const results = await Promise.all(
        SIZES.map(
          (n, i) =>
            new Promise<{ i: number; ilp?: Buffer; code?: string }>((resolve) => {
              // all in one turn: one flush, one socket write
              from.sendIlp(payload(n, i), Date.now() + 5000, (err, ilp) => {
                order.push(i);
                resolve({ i, ilp, code: err?.btpCode });
              });
            }),
        ),
      );
      for (const r of results) {
        const sent = payload(SIZES[r.i], r.i);
        if (sent.length === 0) expect(r.code, name).toBe('F00');
        else expect(r.ilp?.equals(Buffer.from(sent).reverse()), `${name}: ${sent.length} bytes`).toBe(true);
      }
      // answered in the order sent: the peer read them in order and answered in one turn
      expect(order, name).toEqual(SIZES.map((_, i) => i));
    }
    // ws's own frames (ping/pong, close) still work beside ours
    const pong = once(client, 'pong');
    client.ping();
    await pong;
    const closed = once(client, 'close');
    outbound.close(1000, 'done');
    const [code] = (await closed) as [number];
    expect(code).toBe(1000);
  });
});
