/**
 * One authenticated BTP connection to a peer, inbound or outbound. It carries both directions:
 * our Prepares to the peer (MESSAGE out, RESPONSE in) and the peer's Prepares to us (MESSAGE in,
 * RESPONSE out). The frames of one event-loop turn are written, WebSocket headers and all, into one
 * buffer and go out in one socket write (ws-frames.ts); `ws` keeps the handshake, reading and control frames.
 */
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { BtpType, btpIlpSize, checkBtpIlp, decodeBtp, encodeBtp, encodeBtpIlp, getIlpData, peekBtpIlp, writeBtpIlp, type BtpFrame } from './codec.js';
import { maskPayload, writeWsHeader, wsHeaderSize } from './ws-frames.js';
import { takeOverReading } from './ws-reader.js';
import { PendingTable } from './pending-table.js';
import type { IlpErrorCode } from '../../errors/ilp-codes.js';

export interface LinkHandlers {
  /** A Prepare (or other ILP packet) the peer sent us; answer with respondIlp(requestId, …). */
  onIlpRequest(link: BtpLink, requestId: number, ilp: Buffer): void;
  /** A MESSAGE without `ilp` data, or a TRANSFER (settlement sub-protocols). Answer with respond/respondError. */
  onOtherRequest?(link: BtpLink, frame: BtpFrame): void;
  onClose(link: BtpLink, code: number, reason: string): void;
}

/** Why an outgoing request ended without a response. */
export class LinkError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'closed' | 'btp-error' | 'late',
    readonly btpCode?: string,
    /** The ILP code the packet path answers upstream with; unset: T01 (R00 for a timeout). */
    readonly ilpCode?: IlpErrorCode,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

/** `ctx` is whatever the sender passed along (lets the packet path use one callback for every packet). */
export type ResponseCallback = (err: LinkError | undefined, ilp?: Buffer, frame?: BtpFrame, ctx?: unknown) => void;

interface Pending {
  cb: ResponseCallback;
  ctx: unknown;
  /** ms since the epoch */
  deadline: number;
}

/** This many unreadable frames within any BAD_FRAME_WINDOW_MS close the socket with 1008. */
const BAD_FRAME_LIMIT = 100;
const BAD_FRAME_WINDOW_MS = 10_000;
/** How long after a timeout a late response is still recognised, ms. */
const LATE_WATCH_MS = 30_000;
/** Event-loop turns to wait for ws's parser to sit between frames before reading frames ourselves. */
const TAKE_OVER_TRIES = 20;

export class BtpLink {
  private readonly pending = new PendingTable();
  /** Requests that timed out, kept a while so a late Fulfill can be reported (never booked). */
  private readonly expired = new Map<number, Pending>();
  private nextId: number;
  private closed = false;
  /**
   * The turn's outgoing frames, by index: an ILP frame as its BTP type, request id and ILP packet
   * (encoded at flush, straight into the turn's buffer), any other as an encoded frame (type 0).
   * Three reused arrays, not an object per frame.
   */
  private readonly outTypes: number[] = [];
  private readonly outIds: number[] = [];
  private readonly outData: Buffer[] = [];
  private flushScheduled = false;
  /**
   * When the last BAD_FRAME_LIMIT unreadable frames arrived (ms epoch), a ring made on the first one.
   * A sliding window: a fixed slot that restarts every 10 s would let 2 × 99 through across its edge.
   */
  private badTimes: Float64Array | undefined;
  private badNext = 0;
  /** Unreadable frames dropped on this link (never answered: RFC 0023 forbids replying to them). */
  droppedFrames = 0;
  /** The link that replaced this one (a new login of the same peer): answers we still owe go there. */
  private successor: BtpLink | undefined;

  constructor(
    readonly peerId: string,
    readonly socket: WebSocket,
    readonly direction: 'inbound' | 'outbound',
    private readonly handlers: LinkHandlers,
    private readonly logger: Logger,
  ) {
    this.nextId = (Math.random() * 0xffffffff) >>> 0;
    socket.on('message', this.onMessage);
    socket.once('close', (code: number, reason: Buffer) => this.onSocketClose(code, reason.toString()));
    socket.on('error', (err) => this.logger.debug({ err: err.message, peer: peerId }, 'btp socket error'));
    // Made inside ws's 'message' event for the auth frame: its parser may still hold the next bytes.
    setImmediate(this.takeOver, TAKE_OVER_TRIES);
  }

  /** Reads the socket's data frames without ws's parser from now on (ws-reader.ts), once ws sits between frames. */
  private readonly takeOver = (tries: number): void => {
    if (this.closed || this.socket.readyState !== 1) return;
    if (!takeOverReading(this.socket, this.onBinary) && tries > 1) setImmediate(this.takeOver, tries - 1);
  };

  private readonly onBinary = (payload: Buffer): void => this.onMessage(payload, true);

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === 1;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** True while an answer to a request the peer sent on this link can still reach it (here or on its successor). */
  get canRespond(): boolean {
    return this.isOpen || (this.successor?.canRespond ?? false);
  }

  /**
   * This link is being replaced by `next` (the peer logged in again). The requests we sent here move
   * to `next`, so a response the peer sends on its new socket is matched (or times out there and is
   * released), and the answers we still owe the peer go out on `next`. Call before closing this link.
   */
  handOver(next: BtpLink): void {
    this.successor = next;
    for (const s of this.pending.slots()) {
      next.pending.adopt(this.pending.idAt(s), this.pending.cb(s), this.pending.ctx(s), this.pending.deadline(s));
      this.pending.remove(s);
    }
    for (const [id, p] of this.expired) next.expired.set(id, p);
    this.expired.clear();
  }

  /** Sends an ILP packet; `cb` gets the ILP response, or a LinkError at `deadline` (ms epoch) or on close. */
  sendIlp(ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown): void {
    if (!this.isOpen) {
      cb(new LinkError(`peer ${this.peerId} is not connected`, 'closed'), undefined, undefined, ctx);
      return;
    }
    const id = this.allocateId();
    checkBtpIlp(BtpType.Message, id, ilp);
    this.pending.add(id, cb, ctx, deadline);
    this.queue(BtpType.Message, id, ilp);
  }

  /** Sends any request frame (settlement sub-protocols); the frame's requestId is assigned here. */
  request(frame: BtpFrame, deadline: number, cb: ResponseCallback): void {
    if (!this.isOpen) {
      cb(new LinkError(`peer ${this.peerId} is not connected`, 'closed'));
      return;
    }
    const id = this.allocateId();
    this.pending.add(id, cb, undefined, deadline);
    this.write(encodeBtp({ ...frame, requestId: id }));
  }

  respondIlp(requestId: number, ilp: Buffer): void {
    if (!this.isOpen) return this.successor?.respondIlp(requestId, ilp);
    checkBtpIlp(BtpType.Response, requestId, ilp);
    this.queue(BtpType.Response, requestId, ilp);
  }

  respond(frame: BtpFrame): void {
    if (this.isOpen) this.write(encodeBtp(frame));
    else this.successor?.respond(frame);
  }

  respondError(requestId: number, code: string, name: string, message: string): void {
    if (!this.isOpen) return this.successor?.respondError(requestId, code, name, message);
    this.write(
      encodeBtp({
        type: BtpType.Error,
        requestId,
        code,
        name,
        triggeredAt: new Date(),
        data: Buffer.from(message.slice(0, 2000), 'utf8'),
        protocolData: [],
      }),
    );
  }

  /** Fails every request whose deadline has passed. Called by the node's sweeper. */
  sweep(now: number): void {
    for (const [id, p] of this.expired) {
      if (p.deadline > now - LATE_WATCH_MS) break;
      this.expired.delete(id);
    }
    for (const s of this.pending.expiredSlots(now)) {
      // a callback below may have answered or failed others meanwhile
      const id = this.pending.idAt(s);
      if (id < 0 || this.pending.deadline(s) > now) continue;
      const p: Pending = { cb: this.pending.cb(s), ctx: this.pending.ctx(s), deadline: this.pending.deadline(s) };
      this.pending.remove(s);
      this.expired.set(id, p);
      p.cb(new LinkError(`no response from ${this.peerId} before expiry`, 'timeout'), undefined, undefined, p.ctx);
    }
  }

  close(code = 1000, reason = 'closing'): void {
    if (this.closed) return;
    this.flush();
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
    this.onSocketClose(code, reason);
  }

  private allocateId(): number {
    const id = this.pending.freeId(this.nextId);
    this.nextId = (id + 1) >>> 0;
    return id;
  }

  private write(frame: Buffer): void {
    this.queue(0, 0, frame);
  }

  /** Queues a frame for this turn's write (type 0: `data` is an encoded frame). `data` must not change until then. */
  private queue(type: number, requestId: number, data: Buffer): void {
    this.outTypes.push(type);
    this.outIds.push(requestId);
    this.outData.push(data);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const types = this.outTypes;
    const ids = this.outIds;
    const data = this.outData;
    const n = types.length;
    if (n === 0) return;
    try {
      if (this.socket.readyState !== 1) return;
      const raw = directSocket(this.socket);
      if (raw === undefined) {
        // ws has frames of its own queued (or its internals changed): hand it ours, in order.
        for (let i = 0; i < n; i++) {
          const frame = types[i] === 0 ? data[i] : encodeBtpIlp(types[i] as 6 | 1, ids[i], data[i]);
          this.socket.send(frame, { binary: true, compress: false });
        }
        return;
      }
      // A client masks its frames (RFC 6455 §5.3); a server must not.
      const masked = this.direction === 'outbound';
      let total = 0;
      for (let i = 0; i < n; i++) {
        const len = types[i] === 0 ? data[i].length : btpIlpSize(data[i].length);
        total += wsHeaderSize(len, masked) + len;
      }
      const out = Buffer.allocUnsafe(total);
      let off = 0;
      for (let i = 0; i < n; i++) {
        const d = data[i];
        const type = types[i];
        const start = writeWsHeader(out, off, type === 0 ? d.length : btpIlpSize(d.length), masked);
        if (type === 0) off = start + d.copy(out, start);
        else off = writeBtpIlp(out, start, type as 6 | 1, ids[i], d);
        if (masked) maskPayload(out, start, off);
      }
      raw.write(out);
    } finally {
      types.length = 0;
      ids.length = 0;
      data.length = 0;
    }
  };

  private readonly onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      // Fast path: a MESSAGE or RESPONSE carrying only `ilp` (nearly every frame) builds no objects.
      const ilp = peekBtpIlp(buf);
      if (ilp !== undefined) {
        const requestId = buf.readUInt32BE(1);
        if (buf[0] === BtpType.Message) this.handlers.onIlpRequest(this, requestId, ilp);
        else this.onResponse(requestId, ilp, undefined);
        return;
      }
    }
    let frame: BtpFrame;
    try {
      if (!isBinary) throw new Error('text frame');
      frame = decodeBtp(buf);
    } catch {
      this.countBadFrame();
      return;
    }
    switch (frame.type) {
      case BtpType.Message: {
        const ilp = getIlpData(frame);
        if (ilp !== undefined) this.handlers.onIlpRequest(this, frame.requestId, ilp);
        else if (this.handlers.onOtherRequest) this.handlers.onOtherRequest(this, frame);
        else this.respondError(frame.requestId, 'F00', 'NotAcceptedError', 'unsupported sub-protocol');
        return;
      }
      case BtpType.Transfer:
        if (this.handlers.onOtherRequest) this.handlers.onOtherRequest(this, frame);
        else this.respondError(frame.requestId, 'F00', 'NotAcceptedError', 'transfers are not accepted');
        return;
      case BtpType.Response:
        this.onResponse(frame.requestId, getIlpData(frame), frame);
        return;
      case BtpType.Error: {
        const s = this.pending.slotOf(frame.requestId);
        if (s < 0) return; // late or unknown: never answered (no feedback loops)
        const p = { cb: this.pending.cb(s), ctx: this.pending.ctx(s) };
        this.pending.remove(s);
        p.cb(new LinkError(`peer ${this.peerId} answered BTP error ${frame.code} ${frame.name}`, 'btp-error', frame.code), undefined, frame, p.ctx);
        return;
      }
      default:
        // Legacy PREPARE/FULFILL/REJECT: decoded, never acted upon.
        this.countBadFrame();
    }
  };

  private onResponse(requestId: number, ilp: Buffer | undefined, frame: BtpFrame | undefined): void {
    const s = this.pending.slotOf(requestId);
    if (s < 0) {
      // Late or unknown: never answered (no feedback loops); a late one is reported once.
      const late = this.expired.get(requestId);
      if (late !== undefined) {
        this.expired.delete(requestId);
        late.cb(new LinkError(`late response from ${this.peerId}`, 'late'), ilp, frame, late.ctx);
      }
      return;
    }
    const cb = this.pending.cb(s);
    const ctx = this.pending.ctx(s);
    this.pending.remove(s);
    cb(undefined, ilp, frame, ctx);
  }

  private countBadFrame(): void {
    this.droppedFrames++;
    const now = Date.now();
    const times = (this.badTimes ??= new Float64Array(BAD_FRAME_LIMIT).fill(-Infinity));
    times[this.badNext] = now;
    this.badNext = (this.badNext + 1) % BAD_FRAME_LIMIT;
    // times[badNext] is now the oldest of the last BAD_FRAME_LIMIT (-Infinity while there are fewer)
    if (now - times[this.badNext] < BAD_FRAME_WINDOW_MS) {
      this.logger.warn({ peer: this.peerId, dropped: this.droppedFrames }, 'too many unreadable BTP frames; closing');
      this.close(1008, 'too many unreadable frames');
    }
  }

  private onSocketClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.outTypes.length = 0;
    this.outIds.length = 0;
    this.outData.length = 0;
    const pending = this.pending.slots().map((s) => ({ cb: this.pending.cb(s), ctx: this.pending.ctx(s) }));
    for (const s of this.pending.slots()) this.pending.remove(s);
    for (const p of pending) p.cb(new LinkError(`connection to ${this.peerId} closed`, 'closed'), undefined, undefined, p.ctx);
    this.handlers.onClose(this, code, reason);
  }
}

/** What a link needs of ws's internals to write data frames itself. */
interface WsInternals {
  _socket?: { write(b: Buffer): boolean };
  _sender?: { _state?: number; _queue?: unknown[] };
}

/**
 * The socket under `ws`, when writing to it directly keeps frames in order: ws's sender has nothing
 * queued (it queues only while compressing or reading a Blob, neither of which a link does).
 */
function directSocket(ws: WebSocket): { write(b: Buffer): boolean } | undefined {
  const w = ws as unknown as WsInternals;
  const sender = w._sender;
  if (w._socket === undefined || sender === undefined || sender._state !== 0 || (sender._queue !== undefined && sender._queue.length > 0)) return undefined;
  return w._socket;
}
