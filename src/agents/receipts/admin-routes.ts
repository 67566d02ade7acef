/** Admin routes of the identity key and receipts (read scope): `GET /admin/identity`, `GET /admin/receipts`. */
import type { AdminRoutePlugin } from '../../node/http/admin-server.js';
import type { Identity } from '../identity.js';
import type { ReceiptStore } from './store.js';

const listQuery = {
  type: 'object',
  additionalProperties: false,
  // Query values are strings (the admin server does not coerce types).
  properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$', description: 'how many, newest first: 1 to 9999 (default 100)' } },
} as const;

export function receiptRoutes(identity: Identity, store: ReceiptStore): AdminRoutePlugin {
  return (app) => {
    app.get('/admin/identity', () => ({ algorithm: identity.algorithm, publicKey: identity.publicKey }));
    app.get<{ Querystring: { limit?: string } }>('/admin/receipts', { schema: { querystring: listQuery } }, async (request) => ({
      receipts: await store.list(Number(request.query.limit ?? 100)),
    }));
  };
}
