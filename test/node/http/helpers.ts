/** Shared helpers for the HTTP server tests: start on port 0, close after each, call with fetch. */
import { pino } from 'pino';
import type { HttpServerHandle } from '../../../src/node/http/server-common.js';

export const silent = pino({ level: 'silent' });

const open: HttpServerHandle[] = [];

/** Listens and remembers the server for closeAll(). */
export async function listen(server: HttpServerHandle): Promise<string> {
  open.push(server);
  const { url } = await server.listen();
  return url;
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers field by field
  body: any;
}

/** One request; `json` is sent with Content-Type application/json, `raw` as is. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { json?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw !== undefined) {
    body = opts.raw;
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON (metrics): keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Every Access-Control-* header of an answer (there must be none). */
export function corsHeaders(headers: Headers): string[] {
  return [...headers.keys()].filter((k) => k.toLowerCase().startsWith('access-control-'));
}
