/**
 * The SDK's HTTP client, replaced by one built on fetch whose every request is bounded by a timeout
 * (the SDK's default client has none). It speaks what the SDK expects of a `Client.provider`: JSON
 * or BCS bodies out, JSON (or raw bytes for BCS answers) back.
 */
import type { Client, ClientRequest, ClientResponse } from '@aptos-labs/ts-sdk';

/** A `Client` whose requests abort after `timeoutMs`. */
export function timeoutClient(timeoutMs: number): Client {
  return {
    async provider<Req, Res>(req: ClientRequest<Req>): Promise<ClientResponse<Res>> {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers.set(k, String(v));
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries((req.params ?? {}) as Record<string, string | number | bigint | boolean | undefined>)) {
        if (v !== undefined) params.append(k, String(v));
      }
      const url = req.url + (params.size > 0 ? `?${params.toString()}` : '');
      let body: string | Uint8Array<ArrayBuffer> | undefined;
      if (req.body instanceof Uint8Array) body = req.body as Uint8Array<ArrayBuffer>;
      else if (req.body !== undefined) body = JSON.stringify(req.body);
      let res: Response;
      try {
        res = await fetch(url, { method: req.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const name = (err as { name?: unknown } | null)?.name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new Error(`${req.method} ${redactPath(url)} got no answer within ${timeoutMs} ms`, { cause: err });
        }
        throw new Error(`${req.method} ${redactPath(url)} failed: ${(err as Error).message}`, { cause: err });
      }
      const type = res.headers.get('content-type') ?? '';
      const data: unknown = type.includes('json') ? await res.json().catch(() => undefined) : await res.arrayBuffer();
      return { status: res.status, statusText: res.statusText, data: data as Res, headers: res.headers };
    },
  };
}

/** A URL fit for an error message: scheme, host and the API path, no query (hosted nodes put keys there). */
function redactPath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}
