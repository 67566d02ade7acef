/**
 * The link reading its own data frames (src/node/btp/ws-reader.ts) over real loopback sockets: it
 * takes over from ws once the link is up, reads frames split at any byte, passes pings to ws, and
 * hands anything else (text, oversize, close) back to ws, which answers exactly as it would have.
 */
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { BtpLink } from '../../../src/node/btp/btp-link.js';
import { BtpType, decodeBtp, encodeBtpIlp, getIlpData } from '../../../src/node/btp/codec.js';
import { maskPayload, writeWsHeader, wsHeaderSize } from '../../../src/node/btp/ws-frames.js';

const MAX_PAYLOAD = 4096;
const turn = () => new Promise<void>((r) => setImmediate(r));
const rawOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;
const dataListeners = (ws: WebSocket) => rawOf(ws).listeners('data').map((f) => f.name);

/** A masked binary frame, as a client sends it. */
function clientFrame(payload: Buffer): Buffer {
  const out = Buffer.alloc(wsHeaderSize(payload.length, true) + payload.length);
  const start = writeWsHeader(out, 0, payload.length, true);
  payload.copy(out, start);
  maskPayload(out, start, out.length);
  return out;
}

const ilpOf = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

interface Pair {
  client: WebSocket;
  link: BtpLink;
  answers: Buffer[];
  closed: Promise<number>;
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A ws client and, on the server side, a BtpLink answering each request with its ILP bytes reversed. */
async function pair(): Promise<Pair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
  closers.push(() => wss.close());
  await once(wss, 'listening');
  const conn = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
  closers.push(() => client.terminate());
  await once(client, 'open');
  const [server] = await conn;
  let onClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => (onClosed = r));
  const link = new BtpLink(
    'client',
    server,
    'inbound',
    {
      onIlpRequest: (l, requestId, ilp) => l.respondIlp(requestId, Buffer.from(ilp).reverse()),
      onClose: (_l, code) => onClosed(code),
    },
    pino({ level: 'silent' }),
  );
  const answers: Buffer[] = [];
  client.on('message', (d: Buffer) => answers.push(d));
  await turn();
  await turn();
  return { client, link, answers, closed };
}

async function answered(p: Pair, count: number): Promise<void> {
  for (let i = 0; i < 500 && p.answers.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  expect(p.answers.length).toBe(count);
}

function expectAnswers(p: Pair, sent: { id: number; ilp: Buffer }[]): void {
  expect(p.answers.map((a) => decodeBtp(a).requestId)).toEqual(sent.map((s) => s.id));
  p.answers.forEach((a, i) => {
    const f = decodeBtp(a);
    expect(f.type).toBe(BtpType.Response);
    expect(getIlpData(f)?.equals(Buffer.from(sent[i].ilp).reverse())).toBe(true);
  });
}

describe('ws-reader: the link reads its data frames itself', () => {
  it('takes over from ws once the link is up, and reads frames split at every byte', async () => {
    const p = await pair();
    const server = (p.link as unknown as { socket: WebSocket }).socket;
    expect(dataListeners(server)).not.toContain('socketOnData');
    const sent = [10, 125, 126, 300, 3000].map((n, i) => ({ id: 100 + i, ilp: ilpOf(n, i) }));
    const bytes = Buffer.concat(sent.map((s) => clientFrame(encodeBtpIlp(BtpType.Message, s.id, s.ilp))));
    // one byte per write, a turn between: the reader sees partial headers, lengths and payloads
    const raw = rawOf(p.client);
    raw.setNoDelay(true);
    for (let i = 0; i < bytes.length; i++) {
      raw.write(bytes.subarray(i, i + 1));
      if (i % 97 === 0) await turn();
    }
    await answered(p, sent.length);
    expectAnswers(p, sent);
    expect(p.link.droppedFrames).toBe(0);
  });

  it('passes pings to ws (which answers them) and keeps reading', async () => {
    const p = await pair();
    const pong = once(p.client, 'pong') as Promise<[Buffer]>;
    p.client.ping(Buffer.from('are you there'));
    expect((await pong)[0].toString()).toBe('are you there');
    p.client.send(encodeBtpIlp(BtpType.Message, 7, ilpOf(50, 1)));
    await answered(p, 1);
    expectAnswers(p, [{ id: 7, ilp: ilpOf(50, 1) }]);
    expect(dataListeners((p.link as unknown as { socket: WebSocket }).socket)).not.toContain('socketOnData');
  });

  it('hands a text frame and the rest of the connection back to ws: counted as unreadable, then served as before', async () => {
    const p = await pair();
    const server = (p.link as unknown as { socket: WebSocket }).socket;
    p.client.send('not btp');
    p.client.send(encodeBtpIlp(BtpType.Message, 8, ilpOf(40, 2)));
    await answered(p, 1);
    expectAnswers(p, [{ id: 8, ilp: ilpOf(40, 2) }]);
    expect(p.link.droppedFrames).toBe(1);
    expect(dataListeners(server)).toContain('socketOnData');
  });

  it('leaves an oversize frame to ws, which closes with 1009', async () => {
    const p = await pair();
    const closed = once(p.client, 'close') as Promise<[number]>;
    p.client.send(Buffer.alloc(MAX_PAYLOAD + 1));
    expect((await closed)[0]).toBe(1009);
    // the server side reports 1006 (ws does so without this reader too), and the link is closed
    expect(await p.closed).toBeGreaterThan(1000);
    expect(p.link.isOpen).toBe(false);
  });

  it('leaves a close frame to ws: a clean close with the peer code', async () => {
    const p = await pair();
    p.client.send(encodeBtpIlp(BtpType.Message, 9, ilpOf(20, 3)));
    await answered(p, 1);
    p.client.close(4001, 'bye');
    expect(await p.closed).toBe(4001);
  });

  it('leaves an unmasked client frame to ws, which closes with 1002', async () => {
    const p = await pair();
    const closed = once(p.client, 'close') as Promise<[number]>;
    const payload = encodeBtpIlp(BtpType.Message, 10, ilpOf(20, 4));
    const frame = Buffer.alloc(wsHeaderSize(payload.length, false) + payload.length);
    payload.copy(frame, writeWsHeader(frame, 0, payload.length, false));
    rawOf(p.client).write(frame);
    expect((await closed)[0]).toBe(1002);
    expect(p.answers.length).toBe(0);
  });
});
