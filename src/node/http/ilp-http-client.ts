/**
 * Our side of an ILP-over-HTTP peer (RFC 0035, synchronous mode): each Prepare is POSTed to the
 * peer's URL with `Authorization: Bearer <outgoingToken>` and the response body is its Fulfill or
 * Reject. Connections are pooled (keep-alive); a request waits no longer than the packet's expiry,
 * every request's expiry kept in one deadline heap with one timer (deadline-heap.ts).
 *
 * There is no socket to watch, so "up" is inferred: the peer is down after `downAfterFailures`
 * consecutive transport failures (refused or reset connection, a status other than 200, a body that
 * is not an ILP Fulfill or Reject, no answer before expiry) and up again on the next 200. While it
 * is down a zero-amount probe (a Prepare to `peer.http.probe`, which any connector rejects) goes out
 * every few seconds, so it comes back even when no packet is routed to it.
 *
 * A failure reaches the packet path as a LinkError with the ILP code to answer upstream (5xx: T00,
 * no connection: T01, 4xx: F-codes, a 200 without a readable Fulfill or Reject: T00; the table is
 * in ilp-http-errors.ts) and a message naming the peer and what it answered.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import { LinkError, type ResponseCallback } from '../btp/btp-link.js';
import { CodecError } from '../ilp/errors.js';
import { deserializeIlpPacket, IlpPacketType, serializePrepare } from '../ilp/packet.js';
import { notIlpError, statusError, transportError } from './ilp-http-errors.js';
import { HttpPeeringStats, type HttpPeerCounts } from './http-peer-metrics.js';
import { DeadlineHeap } from './deadline-heap.js';

export interface HttpPeerLinkOptions {
  peerId: string;
  /** the peer's endpoint (http:// or https://) */
  url: string;
  /** sent as `Authorization: Bearer <token>` */
  token: string;
  /** consecutive transport failures that make the peer down */
  downAfterFailures: number;
  logger: Logger;
  /** the peer came back (first 200 after being down) */
  onUp(): void;
  /** the peer went down (`reason`: the last failure) */
  onDown(reason: string): void;
  /** where the link counts its requests for /metrics (by outcome, and durations) */
  counts?: HttpPeerCounts;
}

/** After its expiry a request stays open this long (ms), so a late Fulfill is still reported (never booked). */
const LATE_WATCH_MS = 10_000;
/** A probe while the peer is down, every this many ms. */
const PROBE_INTERVAL_MS = 3000;
/** Largest response body read (bytes): an ILP Fulfill or Reject is at most ~41 kB. */
const MAX_RESPONSE_BYTES = 65_536;
const PROBE_DESTINATION = 'peer.http.probe';

/** Where a request's Call hangs on its ClientRequest and IncomingMessage (shared listeners, no closures). */
const CALL = Symbol('ilp-http-call');
type WithCall = { [CALL]?: Call };

/** Where a call is in the deadline heap. */
const enum Watch {
  /** waiting for its answer until `deadline` */
  Answer,
  /** timed out and reported; a late answer is still reported until `deadline + LATE_WATCH_MS` */
  Late,
  /** out of it: answered, failed, or given up */
  Off,
}

/** What the shared listeners need of a call's link (one per link, not per request). */
interface CallSink {
  readonly peerId: string;
  readonly counts: HttpPeerCounts | undefined;
  succeed(call: Call, body: Buffer): void;
  fail(call: Call, err: LinkError): void;
}

/** One request in flight. */
interface Call {
  sink: CallSink;
  cb: ResponseCallback;
  ctx: unknown;
  req: ClientRequest | undefined;
  /** ms epoch: the packet's expiry as the caller passed it */
  deadline: number;
  watch: Watch;
  /** answered, failed or reported as timed out to the caller */
  done: boolean;
  timedOut: boolean;
  /** performance.now() when the request went out */
  started: number;
  chunks: Buffer[];
  size: number;
}

export class HttpPeerLink {
  private readonly agent: HttpAgent;
  private readonly isHttps: boolean;
  private readonly target: URL;
  private readonly headers: Record<string, string>;
  private failures = 0;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly calls = new Set<Call>();
  /** every call's deadline under one timer (deadline-heap.ts), not a setTimeout per request */
  private readonly deadlines = new DeadlineHeap<Call>((c) => c.watch !== Watch.Off, (c) => this.onDeadline(c));
  private readonly sink: CallSink;
  /** false once `downAfterFailures` consecutive failures happened; true again on the next 200 */
  up = true;
  /** requests sent and answered (200 with a packet), and transport failures, since start */
  readonly counts = { sent: 0, ok: 0, failed: 0 };

  constructor(private readonly o: HttpPeerLinkOptions) {
    this.sink = { peerId: o.peerId, counts: o.counts, succeed: (c, body) => this.succeed(c, body), fail: (c, err) => this.fail(c, err) };
    this.target = new URL(o.url);
    this.isHttps = this.target.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 256, scheduling: 'lifo' as const };
    this.agent = this.isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.headers = {
      authorization: `Bearer ${o.token}`,
      'content-type': 'application/octet-stream',
      accept: 'application/octet-stream',
    };
  }

  get inFlight(): number {
    return this.calls.size;
  }

  /** POSTs one ILP packet; `cb` gets the response packet, or a LinkError at `deadline` (ms epoch) or on failure. */
  sendIlp(ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown): void {
    if (this.closed) {
      cb(new LinkError(`peer ${this.o.peerId} is removed`, 'closed'), undefined, undefined, ctx);
      return;
    }
    const call: Call = { sink: this.sink, cb, ctx, req: undefined, deadline, watch: Watch.Answer, done: false, timedOut: false, started: performance.now(), chunks: [], size: 0 };
    this.calls.add(call);
    this.counts.sent++;
    this.deadlines.add(deadline, call);
    const send = this.isHttps ? httpsRequest : httpRequest;
    const req = send(this.target, { method: 'POST', agent: this.agent, headers: { ...this.headers, 'content-length': String(ilp.length) } }) as ClientRequest & WithCall;
    req[CALL] = call;
    call.req = req;
    req.on('response', onReqResponse);
    req.on('error', onReqError);
    req.end(ilp);
  }

  /** Stops probing, fails what is in flight and closes pooled connections. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probe);
    for (const call of [...this.calls]) {
      call.req?.destroy();
      this.fail(call, new LinkError(`peer ${this.o.peerId} is removed`, 'closed'));
    }
    this.deadlines.clear();
    this.agent.destroy();
  }

  /** From the deadline heap: the call's expiry (report the timeout), or the end of its late watch (give up). */
  private onDeadline(call: Call): void {
    if (call.watch === Watch.Late) {
      this.settle(call);
      call.req?.destroy();
      return;
    }
    if (call.done) return;
    call.done = true;
    call.timedOut = true;
    if (this.o.counts) this.o.counts.out.timeout++;
    this.countFailure('no answer before expiry');
    call.cb(new LinkError(`no response from ${this.o.peerId} before expiry`, 'timeout'), undefined, undefined, call.ctx);
    // keep listening a while: a late Fulfill is reported (the pipeline records it), then give up
    call.watch = Watch.Late;
    this.deadlines.add(call.deadline + LATE_WATCH_MS, call);
  }

  /** The call leaves the set and the deadline heap (it may still sit there, skipped). */
  private settle(call: Call): void {
    if (call.watch === Watch.Off) return;
    call.watch = Watch.Off;
    this.calls.delete(call);
    this.deadlines.forget();
    call.chunks = [];
  }

  private succeed(call: Call, body: Buffer): void {
    this.settle(call);
    this.counts.ok++;
    this.failures = 0;
    if (!this.up && !this.closed) {
      this.up = true;
      clearInterval(this.probe);
      this.probe = undefined;
      this.o.logger.info({ peer: this.o.peerId }, 'HTTP peer answers again: up');
      this.o.onUp();
    }
    if (call.timedOut) {
      call.cb(new LinkError(`late response from ${this.o.peerId}`, 'late'), body, undefined, call.ctx);
      return;
    }
    if (call.done) return;
    call.done = true;
    call.cb(undefined, body, undefined, call.ctx);
  }

  private fail(call: Call, err: LinkError): void {
    this.settle(call);
    if (call.done) return;
    call.done = true;
    this.countFailure(err.message);
    call.cb(err, undefined, undefined, call.ctx);
  }

  private countFailure(reason: string): void {
    if (this.closed) return;
    this.counts.failed++;
    this.failures++;
    if (!this.up || this.failures < this.o.downAfterFailures) return;
    this.up = false;
    this.o.logger.warn({ peer: this.o.peerId, failures: this.failures, reason }, 'HTTP peer is down');
    this.o.onDown(reason);
    this.probe = setInterval(this.sendProbe, PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  /** A zero-amount Prepare any connector rejects: its 200 answer is all we want. */
  private readonly sendProbe = (): void => {
    if (this.up || this.closed) return;
    const expiresAt = new Date(Date.now() + PROBE_INTERVAL_MS - 100);
    const probe = serializePrepare({ amount: 0n, expiresAt, executionCondition: Buffer.alloc(32), destination: PROBE_DESTINATION, data: Buffer.alloc(0) });
    this.sendIlp(probe, expiresAt.getTime(), () => undefined);
  };
}

// The request's and response's listeners are shared by every call (`this` is the emitter, the call
// hangs on it under CALL): no closures per request.

function onReqResponse(this: ClientRequest & WithCall, res: IncomingMessage & WithCall): void {
  res[CALL] = this[CALL];
  res.on('data', onResData);
  res.on('error', onResError);
  res.on('end', onResEnd);
}

function onReqError(this: ClientRequest & WithCall, err: Error): void {
  const call = this[CALL]!;
  const link = call.sink;
  if (link.counts && !call.done) link.counts.out.error++;
  link.fail(call, transportError(link.peerId, err));
}

function onResData(this: IncomingMessage & WithCall, chunk: Buffer): void {
  const call = this[CALL]!;
  if (call.watch === Watch.Off) return;
  call.size += chunk.length;
  if (call.size > MAX_RESPONSE_BYTES) {
    this.destroy();
    call.sink.fail(call, new LinkError(`peer ${call.sink.peerId} answered a body over ${MAX_RESPONSE_BYTES} bytes`, 'btp-error', 'HTTP', 'T00'));
    return;
  }
  call.chunks.push(chunk);
}

function onResError(this: IncomingMessage & WithCall, err: Error): void {
  const call = this[CALL]!;
  call.sink.fail(call, transportError(call.sink.peerId, err));
}

function onResEnd(this: IncomingMessage & WithCall): void {
  const call = this[CALL]!;
  const link = call.sink;
  if (call.watch === Watch.Off) return;
  const status = this.statusCode ?? 0;
  // a late answer counts too: the histogram is the peer's real latency, and `late` says how many
  if (link.counts) {
    if (call.timedOut) link.counts.late++;
    HttpPeeringStats.answered(link.counts, status, (performance.now() - call.started) / 1000, !call.timedOut);
  }
  const body = call.chunks.length === 1 ? call.chunks[0] : Buffer.concat(call.chunks);
  if (status !== 200) {
    link.fail(call, statusError(link.peerId, status, body));
    return;
  }
  const why = unreadable(body);
  if (why === undefined) link.succeed(call, body);
  else link.fail(call, notIlpError(link.peerId, body, this.headers['content-type'], why));
}

/** Why a 200's body is not a Fulfill or Reject we can pass on, or undefined when it is one. */
function unreadable(body: Buffer): string | undefined {
  if (body.length === 0) return 'the body is empty';
  const type = body[0];
  if (type !== IlpPacketType.Fulfill && type !== IlpPacketType.Reject) return `its first byte is ${type}, not 13 (Fulfill) or 14 (Reject)`;
  try {
    deserializeIlpPacket(body);
    return undefined;
  } catch (err) {
    if (err instanceof CodecError) return err.reason;
    throw err;
  }
}
