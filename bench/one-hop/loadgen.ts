/**
 * The load generator process: a BTP sender and a BTP receiver, closed loop with C packets in flight
 * (with `http` in its config: the same over ILP-over-HTTP, loadgen-http.ts).
 *
 *   node --import tsx bench/one-hop/loadgen.ts      (forked by run.ts; config in BENCH_LOADGEN_CONFIG)
 *
 * The sender holds C pre-encoded MESSAGE frames (one per slot) and, per packet, patches only the
 * request id, a sequence number in the data and (when it changed) the expiry. The receiver answers
 * every Prepare with a pre-encoded Fulfill RESPONSE (fixed fulfillment F, condition sha256(F)),
 * patching only the request id. Writes made in one event-loop turn go out in one corked write.
 * Progress and the result go to the parent over IPC (see LoadgenMessage).
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { LatencyRecorder } from './stats.js';
import { runLoadHttp } from './loadgen-http.js';
import type { BtpEndpoint, LoadgenConfig, LoadgenMessage, LoadgenResult } from './types.js';
import {
  BENCH_CONDITION,
  BTP_ERROR,
  BTP_MESSAGE,
  BTP_RESPONSE,
  ILP_FULFILL,
  ILP_PREPARE,
  ILP_REJECT,
  btpErrorCode,
  buildAuthFrame,
  buildEmptyResponse,
  buildFulfillResponse,
  buildPrepareFrame,
  findIlp,
  rejectCodeAt,
  writeIlpTimestamp,
  type PrepareFrame,
} from './wire.js';

/** Request ids carry the slot in their low 10 bits. */
const SLOT_BITS = 10;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
/** Pre-encoded Fulfill responses per receiver, reused round-robin (more than any number in flight). */
const RING_SIZE = 4096;
/** Expiry of every Prepare: now + this (ms); refreshed every EXPIRY_REFRESH_MS. */
const EXPIRY_AHEAD_MS = 30_000;
const EXPIRY_REFRESH_MS = 50;
const DRAIN_TIMEOUT_MS = 35_000;
const SEND_OPTIONS = { binary: true } as const;

/** A zero WebSocket mask: ws then writes our buffer as is, without copying or XOR-ing it. */
function zeroMask(mask: Buffer): void {
  mask[0] = 0;
  mask[1] = 0;
  mask[2] = 0;
  mask[3] = 0;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends frames on a WebSocket, corking its TCP socket on the first send of an event-loop turn and
 * uncorking at setImmediate, so a turn's frames leave in one write. Buffers passed to `send` must
 * stay unchanged until written (ws does not copy them with a zero mask or on the server side).
 */
export class CorkedWriter {
  private corked = false;
  private readonly raw: Socket | undefined;

  constructor(private readonly ws: WebSocket) {
    this.raw = (ws as unknown as { _socket?: Socket })._socket;
  }

  send(frame: Buffer): void {
    if (!this.corked && this.raw) {
      this.corked = true;
      this.raw.cork();
      setImmediate(this.uncork);
    }
    this.ws.send(frame, SEND_OPTIONS);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.raw?.uncork();
  };
}

/** Answers every Prepare with the pre-encoded Fulfill; counts what it saw. */
export class Fulfiller {
  prepares = 0;
  other = 0;
  private readonly ring: Buffer[] = [];
  private pos = 0;

  constructor(private readonly out: CorkedWriter) {
    for (let i = 0; i < RING_SIZE; i++) this.ring.push(buildFulfillResponse(0));
  }

  readonly onMessage = (raw: RawData): void => {
    const data = raw as Buffer;
    if (data.length < 5 || data[0] !== BTP_MESSAGE) {
      this.other++; // responses/errors to requests we never make: never answered
      return;
    }
    const requestId = data.readUInt32BE(1);
    const off = findIlp(data);
    if (off < 0 || data[off] !== ILP_PREPARE) {
      this.other++;
      this.out.send(buildEmptyResponse(requestId));
      return;
    }
    this.prepares++;
    const r = this.ring[this.pos];
    this.pos = (this.pos + 1) & (RING_SIZE - 1);
    r.writeUInt32BE(requestId, 1);
    this.out.send(r);
  };
}

/** The closed-loop sender: C slots, each with its own pre-encoded frame. */
export class Sender {
  private readonly frames: PrepareFrame[] = [];
  private readonly reqIds: Uint32Array;
  private readonly sentAt: Float64Array;
  private readonly busy: Uint8Array;
  private readonly expiryGen: Int32Array;
  private readonly expiry = Buffer.alloc(17);
  private gen = 0;
  private expiryRefreshedAt = -Infinity;
  private seq = 0;
  private inFlight = 0;
  private issuing = false;
  private probing = false;
  private onProbe: ((code: string | undefined) => void) | undefined;
  private onIdle: (() => void) | undefined;
  recording = false;
  sent = 0;
  fulfilled = 0;
  rejected = 0;
  unexpected = 0;
  fulfilledInWindow = 0;
  readonly rejects: Record<string, number> = {};
  readonly probeRejects: Record<string, number> = {};
  readonly latency = new LatencyRecorder();

  constructor(
    private readonly out: CorkedWriter,
    private readonly c: number,
    destination: string,
    amount: bigint,
    dataBytes: number,
  ) {
    if (!Number.isInteger(c) || c < 1 || c > SLOT_MASK + 1) throw new Error(`concurrency must be 1..${SLOT_MASK + 1}`);
    if (dataBytes < 16) throw new Error('dataBytes must be at least 16 (sequence number and run nonce)');
    const nonce = randomBytes(8);
    for (let i = 0; i < c; i++) {
      const data = Buffer.alloc(dataBytes, 0x2a);
      nonce.copy(data, 8);
      this.frames.push(buildPrepareFrame({ requestId: 0, amount, expiresAtMs: Date.now() + EXPIRY_AHEAD_MS, condition: BENCH_CONDITION, destination, data }));
    }
    this.reqIds = new Uint32Array(c);
    this.sentAt = new Float64Array(c);
    this.busy = new Uint8Array(c);
    this.expiryGen = new Int32Array(c).fill(-1);
  }

  get pending(): number {
    return this.inFlight;
  }

  private send(slot: number, now: number): void {
    if (now - this.expiryRefreshedAt >= EXPIRY_REFRESH_MS) {
      writeIlpTimestamp(this.expiry, 0, Date.now() + EXPIRY_AHEAD_MS);
      this.gen++;
      this.expiryRefreshedAt = now;
    }
    const f = this.frames[slot];
    const b = f.frame;
    const seq = ++this.seq;
    const id = (((seq & 0x3fffff) << SLOT_BITS) | slot) >>> 0;
    b.writeUInt32BE(id, 1);
    b.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), f.dataOffset);
    b.writeUInt32BE(seq >>> 0, f.dataOffset + 4);
    if (this.expiryGen[slot] !== this.gen) {
      this.expiry.copy(b, f.expiryOffset);
      this.expiryGen[slot] = this.gen;
    }
    this.reqIds[slot] = id;
    this.busy[slot] = 1;
    this.sentAt[slot] = now;
    this.inFlight++;
    this.sent++;
    this.out.send(b);
  }

  /** Sends single packets until one is fulfilled (routes and links may still be coming up). */
  probe(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let attempts = 0;
    return new Promise((resolve, reject) => {
      this.probing = true;
      this.onProbe = (code) => {
        if (code === undefined) {
          this.probing = false;
          this.onProbe = undefined;
          resolve(attempts);
          return;
        }
        this.probeRejects[code] = (this.probeRejects[code] ?? 0) + 1;
        if (Date.now() > deadline) {
          this.probing = false;
          reject(new Error(`the target never fulfilled a probe packet (last answer ${code}, ${attempts} attempts)`));
          return;
        }
        setTimeout(() => {
          attempts++;
          this.send(0, performance.now());
        }, 100);
      };
      attempts++;
      this.send(0, performance.now());
    });
  }

  /** Fills every slot; each answer immediately sends the slot's next packet. */
  start(): void {
    this.issuing = true;
    const now = performance.now();
    for (let i = 0; i < this.c; i++) if (this.busy[i] === 0) this.send(i, now);
  }

  /** Stops issuing; resolves with the number of packets still unanswered after `timeoutMs`. */
  stop(timeoutMs = DRAIN_TIMEOUT_MS): Promise<number> {
    this.issuing = false;
    if (this.inFlight === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onIdle = undefined;
        resolve(this.inFlight);
      }, timeoutMs);
      this.onIdle = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve(0);
      };
    });
  }

  readonly onMessage = (raw: RawData): void => {
    const data = raw as Buffer;
    const now = performance.now();
    if (data.length < 5) {
      this.unexpected++;
      return;
    }
    const id = data.readUInt32BE(1);
    const slot = id & SLOT_MASK;
    if (slot >= this.c || this.busy[slot] === 0 || this.reqIds[slot] !== id) {
      this.unexpected++;
      return;
    }
    this.busy[slot] = 0;
    this.inFlight--;
    let code: string | undefined;
    const type = data[0];
    if (type === BTP_RESPONSE) {
      const off = findIlp(data);
      if (off < 0) code = 'NO-ILP';
      else if (data[off] === ILP_REJECT) code = rejectCodeAt(data, off);
      else if (data[off] !== ILP_FULFILL) code = 'BAD-ILP';
    } else if (type === BTP_ERROR) {
      code = `BTP-${btpErrorCode(data)}`;
    } else {
      code = `BTP-TYPE-${type}`;
    }
    if (code === undefined) {
      this.fulfilled++;
      if (this.recording) {
        this.fulfilledInWindow++;
        this.latency.record(now - this.sentAt[slot]);
      }
    } else if (!this.probing) {
      this.rejected++;
      this.rejects[code] = (this.rejects[code] ?? 0) + 1;
    }
    if (this.probing) {
      this.onProbe?.(code);
      return;
    }
    if (this.issuing) this.send(slot, now);
    else if (this.inFlight === 0) this.onIdle?.();
  };
}

/**
 * Opens a BTP connection: WebSocket, auth MESSAGE, RESPONSE. Retries refused connections and
 * refused auth until `deadline` (ms epoch). `onMessage` is attached as soon as auth succeeds.
 */
export async function connectBtp(ep: BtpEndpoint, deadline: number, onMessage: (data: RawData) => void): Promise<WebSocket> {
  let last = 'no attempt';
  while (Date.now() < deadline) {
    try {
      return await connectOnce(ep, deadline, onMessage);
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
      await sleep(100);
    }
  }
  throw new Error(`could not connect to ${ep.url} as ${ep.username}: ${last}`);
}

function connectOnce(ep: BtpEndpoint, deadline: number, onMessage: (data: RawData) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(ep.url, { perMessageDeflate: false, generateMask: zeroMask, handshakeTimeout: 5000 });
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('no auth response')), Math.max(1000, Math.min(5000, deadline - Date.now())));
    ws.on('error', (err) => fail(err));
    ws.once('close', () => fail(new Error('closed during auth')));
    ws.once('open', () => ws.send(buildAuthFrame(1, ep.username, ep.token)));
    ws.once('message', (raw: RawData) => {
      const data = raw as Buffer;
      if (data[0] !== BTP_RESPONSE) {
        fail(new Error(`auth refused (BTP type ${data[0]}): ${data.subarray(5).toString('latin1').replace(/[^\x20-\x7e]/g, '')}`));
        return;
      }
      done = true;
      clearTimeout(timer);
      ws.removeAllListeners('close');
      ws.on('message', onMessage);
      resolve(ws);
    });
  });
}

/** The direct target: a BTP server inside the loadgen that authenticates anyone and fulfills everything. */
export function startDirectServer(): Promise<{ url: string; fulfillers: Fulfiller[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const fulfillers: Fulfiller[] = [];
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: true });
    wss.on('connection', (ws) => {
      ws.on('error', () => undefined);
      ws.once('message', (raw: RawData) => {
        const data = raw as Buffer;
        ws.send(buildEmptyResponse(data.readUInt32BE(1)));
        const f = new Fulfiller(new CorkedWriter(ws));
        fulfillers.push(f);
        ws.on('message', f.onMessage);
      });
    });
    wss.once('error', reject);
    wss.once('listening', () => {
      const addr = wss.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        url: `ws://127.0.0.1:${port}`,
        fulfillers,
        close: () => {
          for (const c of wss.clients) c.terminate();
          wss.close();
        },
      });
    });
  });
}

/** Runs one measurement as configured; `notify` gets the progress messages. */
export async function runLoad(cfg: LoadgenConfig, notify: (m: LoadgenMessage) => void): Promise<LoadgenResult> {
  const deadline = Date.now() + cfg.readyTimeoutMs;
  let server: Awaited<ReturnType<typeof startDirectServer>> | undefined;
  let receiverWs: WebSocket | undefined;
  let fulfiller: Fulfiller | undefined;
  let senderEp = cfg.sender;
  const box: { fulfiller?: Fulfiller; sender?: Sender } = {};
  if (cfg.mode === 'direct') {
    server = await startDirectServer();
    senderEp = { url: server.url, username: 'sender', token: 'direct' };
  } else {
    if (!cfg.receiver || !cfg.sender) throw new Error('remote mode needs sender and receiver endpoints');
    // The handlers exist only once the sockets do: messages are routed through this box.
    receiverWs = await connectBtp(cfg.receiver, deadline, (d) => box.fulfiller?.onMessage(d));
    fulfiller = new Fulfiller(new CorkedWriter(receiverWs));
    box.fulfiller = fulfiller;
  }
  const senderWs = await connectBtp(senderEp!, deadline, (d) => box.sender?.onMessage(d));
  const sender = new Sender(new CorkedWriter(senderWs), cfg.concurrency, cfg.destination, BigInt(cfg.amount), cfg.dataBytes ?? 64);
  box.sender = sender;
  let finished = false;
  const lost = new Promise<never>((_, reject) => {
    const onClose = (who: string) => () => {
      if (!finished) reject(new Error(`the ${who} connection closed during the run`));
    };
    senderWs.once('close', onClose('sender'));
    receiverWs?.once('close', onClose('receiver'));
  });
  lost.catch(() => undefined);
  notify({ type: 'connected' });

  const s = sender;
  const measure = async (): Promise<LoadgenResult> => {
    await s.probe(Math.max(1000, deadline - Date.now()));
    s.start();
    await sleep(cfg.warmupMs);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    s.recording = true;
    notify({ type: 'window-start' });
    await sleep(cfg.durationMs);
    s.recording = false;
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    notify({ type: 'window-end' });
    const stuck = await s.stop();
    await sleep(100); // frames already on the wire reach the receiver's counter
    const windowMs = t1 - t0;
    const receiverPrepares = fulfiller ? fulfiller.prepares : server!.fulfillers.reduce((n, f) => n + f.prepares, 0);
    const receiverOther = fulfiller ? fulfiller.other : server!.fulfillers.reduce((n, f) => n + f.other, 0);
    return {
      concurrency: cfg.concurrency,
      windowMs,
      fulfilledInWindow: s.fulfilledInWindow,
      pps: (s.fulfilledInWindow * 1000) / windowMs,
      latency: s.latency.summary(),
      rejects: s.rejects,
      probeRejects: s.probeRejects,
      totals: {
        sent: s.sent,
        fulfilled: s.fulfilled,
        rejected: s.rejected,
        receiverPrepares,
        receiverOther,
        unexpected: s.unexpected,
        stuck,
      },
      countsMatch: receiverPrepares === s.fulfilled && stuck === 0,
      loadgenCpuPercent: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
    };
  };
  try {
    return await Promise.race([measure(), lost]);
  } finally {
    finished = true;
    senderWs.terminate();
    receiverWs?.terminate();
    server?.close();
  }
}

async function main(): Promise<void> {
  const raw = process.env.BENCH_LOADGEN_CONFIG;
  const send = (m: LoadgenMessage, cb?: () => void) => {
    if (process.send) process.send(m, undefined, {}, () => cb?.());
    else {
      process.stdout.write(`${JSON.stringify(m)}\n`);
      cb?.();
    }
  };
  try {
    if (!raw) throw new Error('BENCH_LOADGEN_CONFIG is not set');
    const cfg = JSON.parse(raw) as LoadgenConfig;
    const result = await (cfg.http ? runLoadHttp : runLoad)(cfg, (m) => send(m));
    send({ type: 'result', result }, () => process.exit(0));
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  }
}

if (process.env.BENCH_LOADGEN_CONFIG) void main();
