/**
 * The one rule for everything the explorer can do besides showing: its send form (`POST /api/send`)
 * and its approve/deny buttons (`POST /api/approvals/:id`).
 *
 * - off unless the operator enables it (`explorer.allowSend`, `explorer.allowApprove`), and always
 *   off in production (node-control.ts passes `enabled: false` there): 403 FORBIDDEN naming the key;
 * - when the admin API has keys (`adminApi.apiKey` or `adminApi.keys`), the X-Api-Key header must
 *   be one of them (401 UNAUTHORIZED) that holds the action's scope: `send` for the form, `approve`
 *   for the buttons; the operator's apiKey and `admin` keys hold every scope (403 SCOPE_DENIED);
 * - a node without keys (loopback only: a config with policies or a wider host needs keys) lets
 *   the page act once enabled.
 *
 * The cross-site and Host checks of server.ts run before, for every request.
 */
import type { FastifyRequest } from 'fastify';
import { appError, type AppError } from '../../../errors/index.js';
import { allows, type Caller, type Scope } from '../../../agents/scopes.js';

/** The key ring of the admin API (agents/scopes.ts createKeyRing); undefined when it has no key. */
export type KeyRing = (given: string | undefined) => Caller | undefined;

export interface ExplorerAction {
  /** What the person does, for messages: "Sending", "Approving and denying". */
  what: string;
  /** The config key that turns it on. */
  configKey: string;
  scope: Scope;
  enabled: boolean;
  ring?: KeyRing;
}

/** Who acted, or the refusal. The caller is `explorer` on a node without keys. */
export function checkAction(action: ExplorerAction, request: FastifyRequest): { caller: Caller } | { error: AppError } {
  if (!action.enabled) {
    return {
      error: appError('FORBIDDEN', {
        message: `${action.what} from the explorer is off (${action.configKey} is false, or security.environment is production)`,
        suggestion: `Use the admin API or the CLI with a key that has the ${action.scope} scope, or set ${action.configKey}: true on a development node.`,
      }),
    };
  }
  if (action.ring === undefined) return { caller: { name: 'explorer', scopes: new Set([action.scope]) } };
  const header = request.headers['x-api-key'];
  const caller = action.ring(typeof header === 'string' && header !== '' ? header : undefined);
  if (caller === undefined) {
    return {
      error: appError('UNAUTHORIZED', {
        message: `${action.what} from the explorer needs a key of the admin API (the operator's apiKey or a key with the ${action.scope} scope): send it in the X-Api-Key header`,
        suggestion: `Enter the key in the explorer's key field (adminApi.apiKey, or one of adminApi.keys whose scopes include ${action.scope}).`,
      }),
    };
  }
  if (!allows(caller, action.scope)) {
    return { error: appError('SCOPE_DENIED', { key: caller.name, scope: action.scope, route: `${request.method} ${request.routeOptions.url ?? request.url}` }) };
  }
  return { caller };
}

/** Whether the page must ask for a key before it can act (for /api/info). */
export function needsKey(action: ExplorerAction): boolean {
  return action.enabled && action.ring !== undefined;
}
