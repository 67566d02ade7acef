/**
 * Reading a link's data frames without ws's Receiver (a Writable stream, an event and several
 * buffers per message). Once the link is up and ws's parser sits between frames, the socket's data
 * goes here: whole, final, binary frames with the right masking and within maxPayload are handed
 * straight to the link. A complete ping or pong is passed to ws's parser as is (ws answers it). Any
 * other frame (close, text, fragments, reserved bits, a bad mask, too long) and everything after
 * it go back to ws, which then reads the rest of the connection exactly as before, errors and close
 * codes included. Nothing is taken over unless ws's internals look as expected.
 */
import type { WebSocket } from 'ws';
import { maskPayload } from './ws-frames.js';

/** What the reader needs of ws's internals (ws 8). */
interface WsInternals {
  _socket?: NetSocketLike;
  _receiver?: ReceiverLike;
  readyState: number;
}
interface ReceiverLike {
  _state?: number;
  _bufferedBytes?: number;
  _fragmented?: number;
  _loop?: boolean;
  _opcode?: number;
  _maxPayload?: number;
  _isServer?: boolean;
  writableLength?: number;
  write(chunk: Buffer): boolean;
}
interface NetSocketLike {
  listeners(event: 'data'): ((...args: unknown[]) => void)[];
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  removeListener(event: 'data', fn: (...args: unknown[]) => void): unknown;
  isPaused(): boolean;
}

const OPCODE_BINARY = 2;
const OPCODE_PING = 9;
const OPCODE_PONG = 10;
/** ws's Receiver state between frames. */
const GET_INFO = 0;

export type BinaryHandler = (payload: Buffer) => void;

/**
 * Tries to read `ws`'s data frames from now on; returns false (ws keeps reading) when its parser is
 * not between frames or its internals are not what this reader knows.
 */
export function takeOverReading(ws: WebSocket, onBinary: BinaryHandler): boolean {
  const w = ws as unknown as WsInternals;
  const socket = w._socket;
  const r = w._receiver;
  if (socket === undefined || r === undefined || w.readyState !== 1) return false;
  if (r._state !== GET_INFO || r._bufferedBytes !== 0 || r._fragmented !== 0 || r._loop !== false || r._opcode === 8 || r.writableLength !== 0) return false;
  if (typeof r._maxPayload !== 'number' || typeof r._isServer !== 'boolean' || socket.isPaused()) return false;
  const wsData = socket.listeners('data').filter((f) => f.name === 'socketOnData');
  if (wsData.length !== 1) return false;
  const reader = new FrameReader(socket, wsData[0], r, onBinary);
  socket.removeListener('data', wsData[0]);
  socket.on('data', reader.onData);
  return true;
}

class FrameReader {
  /** Bytes of an incomplete frame, and how many bytes the frame needs before it can be read. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  private need = 0;
  private readonly maxPayload: number;
  private readonly expectMask: number;

  constructor(
    private readonly socket: NetSocketLike,
    private readonly wsData: (...args: unknown[]) => void,
    private readonly receiver: ReceiverLike,
    private readonly onBinary: BinaryHandler,
  ) {
    this.maxPayload = receiver._maxPayload!;
    // A server reads masked frames (RFC 6455 §5.1), a client plain ones.
    this.expectMask = receiver._isServer ? 0x80 : 0;
  }

  readonly onData = (chunk: Buffer): void => {
    let buf = chunk;
    if (this.partBytes > 0) {
      this.parts.push(chunk);
      this.partBytes += chunk.length;
      if (this.partBytes < this.need) return;
      buf = Buffer.concat(this.parts, this.partBytes);
      this.parts = [];
      this.partBytes = 0;
    }
    let off = 0;
    const end = buf.length;
    while (off < end) {
      const avail = end - off;
      if (avail < 2) {
        this.keep(buf, off, 2);
        return;
      }
      const b0 = buf[off];
      const b1 = buf[off + 1];
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (avail < 4) return this.keep(buf, off, 4);
        len = (buf[off + 2] << 8) | buf[off + 3];
        hdr = 4;
      } else if (len === 127) {
        if (avail < 10) return this.keep(buf, off, 10);
        const hi = buf.readUInt32BE(off + 2);
        // beyond 2^53-1 ws refuses it; leave that (and its close code) to ws
        if (hi > 0x1f_ffff) return this.handBack(buf, off);
        len = hi * 0x1_0000_0000 + buf.readUInt32BE(off + 6);
        hdr = 10;
      }
      const masked = b1 & 0x80;
      if (masked) hdr += 4;
      const opcode = b0 & 0x0f;
      // Only FIN set, no reserved bits, the expected masking, a size ws would accept.
      const plain = (b0 & 0xf0) === 0x80 && masked === this.expectMask && (this.maxPayload === 0 || len <= this.maxPayload);
      if (!plain || (opcode !== OPCODE_BINARY && opcode !== OPCODE_PING && opcode !== OPCODE_PONG) || (opcode !== OPCODE_BINARY && len > 125)) {
        return this.handBack(buf, off);
      }
      if (avail < hdr + len) return this.keep(buf, off, hdr + len);
      const start = off + hdr;
      off = start + len;
      if (opcode !== OPCODE_BINARY) {
        // ws answers a ping and emits ping/pong itself; its parser is between frames before and after.
        this.receiver.write(buf.subarray(start - hdr, off));
        continue;
      }
      if (masked) maskPayload(buf, start, off);
      this.onBinary(buf.subarray(start, off));
    }
  };

  /** Keeps buf[off..] until `need` bytes of the frame are there. */
  private keep(buf: Buffer, off: number, need: number): void {
    const rest = buf.subarray(off);
    this.parts = [rest];
    this.partBytes = rest.length;
    this.need = need;
  }

  /** ws reads buf[off..] and the rest of the connection. */
  private handBack(buf: Buffer, off: number): void {
    this.socket.removeListener('data', this.onData as (...args: unknown[]) => void);
    this.socket.on('data', this.wsData);
    this.wsData.call(this.socket, buf.subarray(off));
  }
}
