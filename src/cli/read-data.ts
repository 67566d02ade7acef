/**
 * Where `send` gets the packet data: `--data` (text), `--data-file` (a file, `-` = stdin), or stdin
 * when it is piped and neither flag was given. ILP data is at most 32767 bytes (RFC 0027); more is an
 * error rather than a silent truncation.
 */
import { open } from 'node:fs/promises';
import { appError } from '../errors/index.js';

/** Largest ILP packet data, in bytes (RFC 0027). */
export const MAX_DATA_BYTES = 32767;

/** A readable stream that may be a terminal. */
export type Input = NodeJS.ReadableStream & { isTTY?: boolean };

function tooLarge(source: string, size: number | string): Error {
  return appError('PAYLOAD_TOO_LARGE', {
    limit: MAX_DATA_BYTES,
    message: `The data from ${source} is ${size} bytes; ILP packet data is at most ${MAX_DATA_BYTES} bytes`,
    suggestion: 'Send less data per packet (split it, or send a reference such as a URL or a hash).',
  });
}

/** Reads a stream to its end, failing as soon as it passes the limit. */
export async function readCapped(stream: NodeJS.ReadableStream, source: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_DATA_BYTES) throw tooLarge(source, `more than ${MAX_DATA_BYTES}`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

async function readFileCapped(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw appError('INVALID_ARGUMENT', { field: '--data-file', reason: `cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_DATA_BYTES) throw tooLarge(path, size);
    return await readCapped(handle.createReadStream(), path);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The packet data for `send`.
 * @param stdin read when `dataFile` is `-`, or when it is not a terminal and no flag was given
 */
export async function readPacketData(opts: { data?: string; dataFile?: string; stdin: Input }): Promise<Buffer> {
  let buf: Buffer;
  let source: string;
  if (opts.data !== undefined) {
    buf = Buffer.from(opts.data, 'utf8');
    source = '--data';
  } else if (opts.dataFile === '-' || (opts.dataFile === undefined && opts.stdin.isTTY !== true)) {
    return readCapped(opts.stdin, 'stdin');
  } else if (opts.dataFile !== undefined) {
    return readFileCapped(opts.dataFile);
  } else {
    return Buffer.alloc(0);
  }
  if (buf.length > MAX_DATA_BYTES) throw tooLarge(source, buf.length);
  return buf;
}
