import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/cli/admin-client.js';
import { failure } from '../helpers/failure.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

const reply = (status: number, body: unknown, type = 'application/json') => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};


describe('AdminClient', () => {
  it('sends JSON with the API key and returns the body', async () => {
    let seen: { key?: string; type?: string; body: string; url?: string } = { body: '' };
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen = { key: req.headers['x-api-key'] as string, type: req.headers['content-type'], body, url: req.url };
        reply(201, { ok: true })(req, res);
      });
    });
    const client = new AdminClient(`${url}/`, 's3cret');
    expect(await client.post('/admin/routes', { prefix: 'g.x' })).toEqual({ ok: true });
    expect(seen).toEqual({ key: 's3cret', type: 'application/json', body: '{"prefix":"g.x"}', url: '/admin/routes' });
  });

  it('maps an error body with a catalogue code to that code, keeping the catalogue hint', async () => {
    const url = await serve(reply(404, { error: 'NotFound', message: 'Peer not found: zed', code: 'PEER_NOT_FOUND' }));
    const e = await failure(new AdminClient(url).get('/admin/peers/zed'));
    expect([e.code, e.message, e.exitCode]).toEqual(['PEER_NOT_FOUND', 'Peer not found: zed', 1]);
    expect(e.suggestion).toContain('peers list');
  });

  it("fills the catalogue hint's fields from the node's message (issue 22: SCOPE_DENIED showed '{scope}')", async () => {
    const message = "The API key 'agent' lacks the 'admin' scope needed for PUT /admin/policies";
    const url = await serve(reply(403, { error: 'Forbidden', message, code: 'SCOPE_DENIED' }));
    const e = await failure(new AdminClient(url).get('/admin/policies'));
    expect([e.code, e.message]).toEqual(['SCOPE_DENIED', message]);
    expect(e.suggestion).toBe("Use a key whose scopes include 'admin' (adminApi.keys), or the operator's adminApi.apiKey.");
  });

  it('maps an error body without a code by its status', async () => {
    const url = await serve(reply(401, { error: 'Unauthorized', message: 'Invalid or missing API key' }));
    expect((await failure(new AdminClient(url).get('/admin/peers'))).code).toBe('UNAUTHORIZED');
  });

  it('calls anything that is not the admin API an UNEXPECTED_RESPONSE', async () => {
    const html = await serve(reply(200, '<html></html>', 'text/html'));
    expect((await failure(new AdminClient(html).get('/admin/peers'))).code).toBe('UNEXPECTED_RESPONSE');
    const empty = await serve(reply(502, ''));
    const e = await failure(new AdminClient(empty).get('/admin/peers'));
    expect([e.code, e.message]).toEqual(['UNEXPECTED_RESPONSE', `The server at ${empty} did not answer like an agent-runtime admin API (HTTP 502)`]);
  });

  it('gives up after its timeout with TIMEOUT', async () => {
    const url = await serve(() => undefined); // never answers
    const e = await failure(new AdminClient(url, undefined, 100).get('/health'));
    expect([e.code, e.message]).toEqual(['TIMEOUT', `The request to ${url} timed out after 100 ms`]);
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => new AdminClient('127.0.0.1:8081')).toThrow(/is not a URL|must be an http/);
    expect(() => new AdminClient('ws://127.0.0.1:3000')).toThrow('must be an http(s) URL');
  });
});
