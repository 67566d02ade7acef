/**
 * A small client of a running node's admin API (fetch, JSON). Every failure becomes a catalogue
 * AppError: a refused or unresolvable connection is NODE_UNREACHABLE, a slow answer TIMEOUT, an error
 * body `{error, message, code}` its own code, and an answer that is not the admin API's
 * UNEXPECTED_RESPONSE (a wrong --url, typically the BTP or another service's port).
 */
import type { AppError } from '../errors/index.js';
import { appError, catalogue, isErrorCode, type ErrorCode } from '../errors/index.js';

/** Default wait for an admin answer, in ms (a send waits its own timeout plus this). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** The default admin URL (the CLI's --url; AGENT_RUNTIME_URL overrides). */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8081';

/** A raw answer: status and parsed JSON body (undefined when the body was not JSON). */
export interface RawResponse {
  status: number;
  body: unknown;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed',
};

export class AdminClient {
  readonly baseUrl: string;

  /**
   * @param url the admin API base URL (e.g. http://127.0.0.1:8081); a trailing slash is ignored
   * @param apiKey sent as X-Api-Key when set
   * @param timeoutMs wait for each answer, in ms
   */
  constructor(
    url: string,
    private readonly apiKey?: string,
    private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw appError('INVALID_ARGUMENT', { field: '--url', reason: `${JSON.stringify(url)} is not a URL (e.g. ${DEFAULT_ADMIN_URL})` });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw appError('INVALID_ARGUMENT', { field: '--url', reason: `must be an http(s) URL, got ${parsed.protocol}//…` });
    }
    this.baseUrl = url.replace(/\/+$/, '');
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown, timeoutMs?: number): Promise<T> {
    return this.call<T>('POST', path, body, timeoutMs);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  /** One request; 2xx answers resolve to the body, everything else throws an AppError. */
  async call<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const r = await this.raw(method, path, body, timeoutMs);
    if (r.status >= 200 && r.status < 300 && r.body !== undefined) return r.body as T;
    if (r.status === 404 && path.startsWith('/admin/')) {
      const wrongPort = await this.healthPortError(r);
      if (wrongPort) throw wrongPort;
    }
    throw this.httpError(r);
  }

  /**
   * A node's server without admin routes answered an admin path ("No route ..."): when it answers
   * /health as a node, `--url` names the node's health port, not its admin API. Say so.
   */
  private async healthPortError(r: RawResponse): Promise<AppError | undefined> {
    const b = r.body as { code?: unknown; message?: unknown } | undefined;
    if (b?.code !== 'NOT_FOUND' || typeof b.message !== 'string' || !b.message.startsWith('No route ')) return undefined;
    // An admin API answers /admin/peers (maybe 401): then only this path is unknown to it.
    const admin = await this.raw('GET', '/admin/peers').catch(() => undefined);
    if (admin?.status !== 404) return undefined;
    const health = await this.raw('GET', '/health').catch(() => undefined);
    const h = health?.body as { nodeId?: unknown; checks?: unknown } | undefined;
    if (typeof h?.nodeId !== 'string' || h.checks === undefined) return undefined;
    // The node's health server names its admin API in every 404 (node-control.ts).
    const named = /the admin API is at (\S+)$/.exec(b.message)?.[1];
    const none = b.message.endsWith('serves no admin API (adminApi.enabled is off)');
    const where = named !== undefined
      ? `Point --url (or AGENT_RUNTIME_URL) at the admin API: ${named}.`
      : none
        ? 'This node serves no admin API: set adminApi.enabled: true in its config (agent-runtime start serves one by default) and restart it.'
        : "Point --url (or AGENT_RUNTIME_URL) at the admin API: adminApi.port in the node's config, 8081 by default.";
    return appError('NOT_FOUND', {
      message: `${this.baseUrl} is the health port of node ${h.nodeId}, not its admin API${named === undefined ? '' : ` (that is ${named})`}`,
      suggestion: `${where} \`agent-runtime health --url ${this.baseUrl}\` reads this port.`,
    });
  }

  /** One request without status mapping (for /health, whose 503 carries a body). */
  async raw(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<RawResponse> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers['x-api-key'] = this.apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw this.networkError(e, timeoutMs);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw this.networkError(e, timeoutMs);
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  }

  private networkError(e: unknown, timeoutMs: number): AppError {
    const name = (e as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return appError('TIMEOUT', { operation: `The request to ${this.baseUrl}`, ms: timeoutMs }, e);
    }
    const code = (e as { cause?: { code?: string } } | null)?.cause?.code;
    const why = (code && NETWORK_CODES[code]) ?? (e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e));
    return appError('NODE_UNREACHABLE', { url: this.baseUrl, message: `Cannot reach the node at ${this.baseUrl}: ${why}` }, e);
  }

  private httpError(r: RawResponse): AppError {
    const b = r.body as { error?: unknown; message?: unknown; code?: unknown } | undefined;
    const message = typeof b?.message === 'string' ? b.message : undefined;
    if (b === undefined || (message === undefined && typeof b.error !== 'string')) {
      return appError('UNEXPECTED_RESPONSE', { url: this.baseUrl, status: r.status });
    }
    if (isErrorCode(b.code)) return appError(b.code, message === undefined ? {} : { message, ...detailsFrom(b.code, message) });
    const fallback: Record<number, Parameters<typeof appError>[0]> = {
      400: 'INVALID_ARGUMENT',
      401: 'UNAUTHORIZED',
      403: 'FORBIDDEN',
      404: 'NOT_FOUND',
      409: 'CONFLICT',
      413: 'PAYLOAD_TOO_LARGE',
      415: 'UNSUPPORTED_MEDIA_TYPE',
      503: 'NOT_READY',
    };
    return appError(fallback[r.status] ?? 'INTERNAL', { message: message ?? `HTTP ${r.status} ${String(b.error)}` });
  }
}

/**
 * The template fields of a catalogue message read back from the node's text of it, so the
 * suggestion the CLI shows is filled in ('lacks the admin scope' → "Use a key whose scopes include
 * 'admin'"), not left as `{scope}`. Nothing when the text is not the catalogue's (a custom message).
 */
function detailsFrom(code: ErrorCode, message: string): Record<string, string> {
  const template = catalogue[code].message;
  const names: string[] = [];
  const pattern = template
    .split(/(\{[a-zA-Z]+\})/)
    .map((part) => {
      const field = /^\{([a-zA-Z]+)\}$/.exec(part)?.[1];
      if (field === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(field);
      return '(.+?)';
    })
    .join('');
  const m = new RegExp(`^${pattern}$`, 's').exec(message);
  if (m === null) return {};
  return Object.fromEntries(names.map((n, i) => [n, m[i + 1]]));
}
