/**
 * A stand-in business-logic server for development: answers every `POST /handle-packet` with
 * `{"accept": true}` (the node then fulfils with sha256(data)). `chain dev` runs one for bob.
 */
import { createServer, type Server } from 'node:http';

/** Listens on 127.0.0.1:`port`; resolves with the server once it listens. */
export function startAcceptAllHandler(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const ok = req.method === 'POST' && req.url === '/handle-packet';
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { accept: true } : { error: 'POST /handle-packet only' }));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
