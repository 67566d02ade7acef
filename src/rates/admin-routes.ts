/**
 * `GET /admin/rates` → RatesView; `PUT /admin/rates` with `{ "rates": { "XRP": "1.923077" } }` sets
 * static rates (written to the data directory first, then applied) and answers the new RatesView.
 * A bad body is 400 RATES_INVALID naming the problem; nothing changes.
 */
import type { FastifyInstance } from 'fastify';
import { appError } from '../errors/index.js';
import type { AdminRoutePlugin } from '../node/http/admin-server.js';
import { RatesDocumentError } from './document.js';
import type { NodeRates, RatesView } from './node-rates.js';

/** @param rates returns the node's rates service, or undefined while the node is not started */
export function ratesRoutes(rates: () => NodeRates | undefined): AdminRoutePlugin[] {
  const get = (): NodeRates => {
    const r = rates();
    if (r === undefined) throw appError('NOT_READY', { message: 'Rates are not loaded (the node is not started)' });
    return r;
  };
  return [
    (app: FastifyInstance) => {
      app.get('/admin/rates', (): RatesView => get().view());
      app.put('/admin/rates', async (request): Promise<RatesView> => {
        try {
          return await get().set(request.body);
        } catch (err) {
          if (err instanceof RatesDocumentError) throw appError('RATES_INVALID', { reason: err.message });
          throw err;
        }
      });
    },
  ];
}
