/**
 * The load generator over ILP-over-HTTP (RFC 0035), for the agent-runtime-http target: the same
 * closed loop as loadgen.ts, with C packets in flight, but the sender POSTs each Prepare to the
 * target's `/ilp/sender` on keep-alive connections (one pooled socket per slot at most) and the
 * receiver is an HTTP server the target POSTs to, answering every Prepare with a pre-encoded Fulfill.
 *
 * Per packet the sender patches only a sequence number in the data and (when it changed) the expiry
 * of the slot's pre-encoded Prepare; the buffer is not touched again until that request's answer is in.
 * Progress and the result go to the parent as loadgen.ts's do (LoadgenMessage, LoadgenResult).
 */
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import { LatencyRecorder } from './stats.js';
import type { LoadgenConfig, LoadgenMessage, LoadgenResult } from './types.js';
import { BENCH_CONDITION, BENCH_FULFILLMENT, ILP_FULFILL, ILP_PREPARE, ILP_REJECT, encodeFulfill, encodePrepare, rejectCodeAt, writeIlpTimestamp, type PrepareLayout } from './wire.js';

const EXPIRY_AHEAD_MS = 30_000;
const EXPIRY_REFRESH_MS = 50;
const DRAIN_TIMEOUT_MS = 35_000;
/**
 * Slots started at once; each answer starts one more until all C run, so the pool of connections
 * grows as load does. (The target's pre-auth gate no longer closes a burst of new connections past
 * performance.maxPreAuthPerAddress, it queues them; the ramp stays so the figures compare with earlier runs.)
 */
const RAMP = 16;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The receiver: answers every authorized POSTed Prepare with the Fulfill; counts what it saw. */
export function startHttpReceiver(port: number, token: string): Promise<{ server: Server; counts: { prepares: number; other: number } }> {
  const counts = { prepares: 0, other: 0 };
  const fulfill = encodeFulfill(BENCH_FULFILLMENT);
  const auth = `Bearer ${token}`;
  const server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const first = chunks.length > 0 ? chunks[0][0] : undefined;
      if (req.headers.authorization !== auth || first !== ILP_PREPARE) {
        counts.other++;
        res.writeHead(req.headers.authorization === auth ? 400 : 401).end();
        return;
      }
      counts.prepares++;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': fulfill.length });
      res.end(fulfill);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, counts }));
  });
}

/** The closed-loop sender: C slots, each with its own pre-encoded Prepare. */
class HttpSender {
  private readonly packets: PrepareLayout[] = [];
  private readonly sentAt: Float64Array;
  private readonly busy: Uint8Array;
  private readonly expiryGen: Int32Array;
  private readonly expiry = Buffer.alloc(17);
  private readonly agent: Agent;
  private readonly target: URL;
  private readonly headers: Record<string, string>;
  private gen = 0;
  private expiryRefreshedAt = -Infinity;
  private seq = 0;
  /** slots started so far (see RAMP) */
  private slotsStarted = 0;
  private inFlight = 0;
  private issuing = false;
  private probing = false;
  private onProbe: ((code: string | undefined) => void) | undefined;
  private onIdle: (() => void) | undefined;
  recording = false;
  sent = 0;
  fulfilled = 0;
  rejected = 0;
  fulfilledInWindow = 0;
  readonly rejects: Record<string, number> = {};
  readonly probeRejects: Record<string, number> = {};
  readonly latency = new LatencyRecorder();

  constructor(
    url: string,
    token: string,
    private readonly c: number,
    destination: string,
    amount: bigint,
    dataBytes: number,
  ) {
    if (dataBytes < 16) throw new Error('dataBytes must be at least 16 (sequence number and run nonce)');
    const nonce = randomBytes(8);
    for (let i = 0; i < c; i++) {
      const data = Buffer.alloc(dataBytes, 0x2a);
      nonce.copy(data, 8);
      this.packets.push(encodePrepare({ amount, expiresAtMs: Date.now() + EXPIRY_AHEAD_MS, condition: BENCH_CONDITION, destination, data }));
    }
    this.sentAt = new Float64Array(c);
    this.busy = new Uint8Array(c);
    this.expiryGen = new Int32Array(c).fill(-1);
    this.agent = new Agent({ keepAlive: true, maxSockets: c, scheduling: 'lifo' });
    this.target = new URL(url);
    this.headers = { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', accept: 'application/octet-stream' };
  }

  close(): void {
    this.agent.destroy();
  }

  private send(slot: number, now: number): void {
    if (now - this.expiryRefreshedAt >= EXPIRY_REFRESH_MS) {
      writeIlpTimestamp(this.expiry, 0, Date.now() + EXPIRY_AHEAD_MS);
      this.gen++;
      this.expiryRefreshedAt = now;
    }
    const p = this.packets[slot];
    const seq = ++this.seq;
    p.packet.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), p.dataOffset);
    p.packet.writeUInt32BE(seq >>> 0, p.dataOffset + 4);
    if (this.expiryGen[slot] !== this.gen) {
      this.expiry.copy(p.packet, p.expiryOffset);
      this.expiryGen[slot] = this.gen;
    }
    this.busy[slot] = 1;
    this.sentAt[slot] = now;
    this.inFlight++;
    this.sent++;
    const req = request(this.target, { method: 'POST', agent: this.agent, headers: { ...this.headers, 'content-length': String(p.packet.length) } });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        let code: string | undefined;
        if (res.statusCode !== 200) code = `HTTP-${res.statusCode}`;
        else if (body[0] === ILP_REJECT) code = rejectCodeAt(body, 0);
        else if (body[0] !== ILP_FULFILL) code = 'BAD-ILP';
        this.answered(slot, code);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => this.answered(slot, `HTTP-${err.code ?? 'ERROR'}`));
    req.end(p.packet);
  }

  private answered(slot: number, code: string | undefined): void {
    if (this.busy[slot] === 0) return;
    const now = performance.now();
    this.busy[slot] = 0;
    this.inFlight--;
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
    if (this.issuing) {
      this.send(slot, now);
      if (this.slotsStarted < this.c) this.send(this.slotsStarted++, now);
    } else if (this.inFlight === 0) this.onIdle?.();
  }

  /** Sends single packets until one is fulfilled (the target may still be coming up). */
  probe(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      this.probing = true;
      this.onProbe = (code) => {
        if (code === undefined) {
          this.probing = false;
          this.onProbe = undefined;
          resolve();
          return;
        }
        this.probeRejects[code] = (this.probeRejects[code] ?? 0) + 1;
        if (Date.now() > deadline) {
          this.probing = false;
          reject(new Error(`the target never fulfilled a probe packet (last answer ${code})`));
          return;
        }
        setTimeout(() => this.send(0, performance.now()), 100);
      };
      this.send(0, performance.now());
    });
  }

  /** Starts RAMP slots; each answer sends that slot's next packet and starts one more slot, up to C. */
  start(): void {
    this.issuing = true;
    const now = performance.now();
    this.slotsStarted = Math.min(this.c, RAMP);
    for (let i = 0; i < this.slotsStarted; i++) if (this.busy[i] === 0) this.send(i, now);
  }

  stop(timeoutMs = DRAIN_TIMEOUT_MS): Promise<number> {
    this.issuing = false;
    if (this.inFlight === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.inFlight), timeoutMs);
      this.onIdle = () => {
        clearTimeout(timer);
        resolve(0);
      };
    });
  }
}

/** Runs one measurement over HTTP as configured (`cfg.http`); `notify` gets the progress messages. */
export async function runLoadHttp(cfg: LoadgenConfig, notify: (m: LoadgenMessage) => void): Promise<LoadgenResult> {
  const h = cfg.http;
  if (!h) throw new Error('the http transport needs cfg.http');
  const deadline = Date.now() + cfg.readyTimeoutMs;
  const receiver = await startHttpReceiver(h.receiverPort, h.receiverToken);
  const s = new HttpSender(h.senderUrl, h.senderToken, cfg.concurrency, cfg.destination, BigInt(cfg.amount), cfg.dataBytes ?? 64);
  notify({ type: 'connected' });
  try {
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
    const windowMs = t1 - t0;
    const { prepares, other } = receiver.counts;
    return {
      concurrency: cfg.concurrency,
      windowMs,
      fulfilledInWindow: s.fulfilledInWindow,
      pps: (s.fulfilledInWindow * 1000) / windowMs,
      latency: s.latency.summary(),
      rejects: s.rejects,
      probeRejects: s.probeRejects,
      // there is no request id to go stale over HTTP: every answer belongs to its request
      totals: { sent: s.sent, fulfilled: s.fulfilled, rejected: s.rejected, receiverPrepares: prepares, receiverOther: other, unexpected: 0, stuck },
      countsMatch: prepares === s.fulfilled && stuck === 0,
      loadgenCpuPercent: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
    };
  } finally {
    s.close();
    receiver.server.closeAllConnections();
    receiver.server.close();
  }
}
