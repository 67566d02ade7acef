/**
 * The admin routes of a node without settlement: every channel and settlement path answers 503
 * SETTLEMENT_DISABLED (what to do about it is the catalogue's suggestion), so a client learns the
 * reason from the code instead of reading it out of a 404's message.
 */
import { appError } from '../../errors/index.js';
import type { AdminRoutePlugin } from './admin-server.js';

/** The paths the settlement engine mounts when it is enabled (src/settlement/admin-routes.ts). */
const PATHS = ['/admin/channels', '/admin/channels/*', '/admin/settlement', '/admin/settlement/*'] as const;

/** Mounted by the node in place of the engine's routes when `settlement.enabled` is off. */
export const settlementDisabledRoutes: AdminRoutePlugin = (app) => {
  for (const url of PATHS) {
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      handler: () => {
        throw appError('SETTLEMENT_DISABLED');
      },
    });
  }
};
