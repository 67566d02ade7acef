/**
 * The connector core's admin routes: peers, routes, balances and `/admin/ilp/send`, in the seed's
 * shapes (seed notes §8). Handlers validate, call NodeApi once and shape the answer; errors are thrown
 * as AppErrors and answered by the server's error boundary.
 */
import type { FastifyInstance } from 'fastify';
import { appError } from '../../errors/index.js';
import { MAX_ILP_DATA_BYTES, decodeCanonicalBase64 } from '../delivery/payment-adapter.js';
import type { PeerPatch } from '../control/control-plane.js';
import type {
  AddPeerRequest,
  AddRouteRequest,
  PeerAddedResponse,
  PeerFieldsBody,
  PeerListResponse,
  PeerRemovedResponse,
  PeerUpdatedResponse,
  RouteAddedResponse,
  RouteListResponse,
  RouteRemovedResponse,
  UpdatePeerRequest,
} from '../control/bodies.js';
import type { PeerRegistrationRequest } from '../types.js';
import type { NodeApi } from './node-api.js';
import {
  addRouteBody,
  ilpSendBody,
  parseUint64,
  peerIdParams,
  registerPeerBody,
  registerPeerQuery,
  removePeerQuery,
  updatePeerBody,
} from './schemas.js';

/** The settlement field as the schema admits it: {chain, address}, or the seed's {preference, evmAddress}. */
interface SettlementInput {
  chain?: 'evm' | 'xrpl' | 'aptos';
  address?: string;
  preference?: string;
  evmAddress?: string;
}
/** The request bodies as the schemas admit them (the seed's settlement shape included). */
type PeerFieldsInput = Omit<PeerFieldsBody, 'settlement'> & { settlement?: SettlementInput };
type RegisterPeerBody = Omit<AddPeerRequest, 'settlement'> & { settlement?: SettlementInput };

/** Default wait for an /admin/ilp/send answer, in ms. */
export const DEFAULT_SEND_TIMEOUT_MS = 30000;

/** Registers the core admin routes on `app`. */
export function registerCoreAdminRoutes(app: FastifyInstance, node: NodeApi): void {
  app.get('/admin/peers', (): PeerListResponse => {
    const peers = node.listPeers();
    return { nodeId: node.nodeId, peerCount: peers.length, connectedCount: peers.filter((p) => p.connected).length, peers };
  });

  app.post<{ Body: RegisterPeerBody; Querystring: { replace?: 'true' | 'false' } }>(
    '/admin/peers',
    { schema: { body: registerPeerBody, querystring: registerPeerQuery } },
    async (request, reply) => {
      const input = toRegistration(request.body);
      const { peer, created } = await node.registerPeer(input, { replace: request.query.replace === 'true' });
      const routes = node.listRoutes().filter((r) => r.nextHop === peer.id);
      const body: PeerAddedResponse = {
        success: true,
        peer,
        routes,
        created,
        updated: !created,
        message: created ? `Peer ${peer.id} added` : `Peer ${peer.id} replaced`,
      };
      return reply.code(created ? 201 : 200).send(body);
    },
  );

  app.patch<{ Params: { peerId: string }; Body: UpdatePeerRequest }>(
    '/admin/peers/:peerId',
    { schema: { params: peerIdParams, body: updatePeerBody } },
    async (request): Promise<PeerUpdatedResponse> => {
      const { peerId } = request.params;
      const { peer, changed } = await node.updatePeer(peerId, toPatch(request.body));
      const message = changed.length === 0 ? `Peer ${peerId} unchanged` : `Peer ${peerId} updated: ${changed.join(', ')}`;
      return { success: true, peer, changed, message };
    },
  );

  app.delete<{ Params: { peerId: string }; Querystring: { removeRoutes?: 'true' | 'false' } }>(
    '/admin/peers/:peerId',
    { schema: { params: peerIdParams, querystring: removePeerQuery } },
    async (request): Promise<PeerRemovedResponse> => {
      const { peerId } = request.params;
      const result = await node.removePeer(peerId, request.query.removeRoutes !== 'false');
      const n = result.removedRoutes.length;
      return {
        success: true,
        peerId: result.peerId,
        removedRoutes: result.removedRoutes,
        message: `Peer ${result.peerId} removed${n > 0 ? ` with ${n} route${n === 1 ? '' : 's'}` : ''}`,
        ...(result.warning === undefined ? {} : { warning: result.warning }),
      };
    },
  );

  app.get('/admin/routes', (): RouteListResponse => {
    const routes = node.listRoutes();
    return { nodeId: node.nodeId, routeCount: routes.length, routes };
  });

  app.post<{ Body: AddRouteRequest }>('/admin/routes', { schema: { body: addRouteBody } }, async (request, reply) => {
    const { route, warning } = await node.addRoute(request.body);
    const body: RouteAddedResponse = {
      success: true,
      route,
      ...(warning === undefined ? {} : { warning }),
      message: `Route ${route.prefix} -> ${route.nextHop} added`,
    };
    return reply.code(201).send(body);
  });

  // The prefix is the rest of the path (fastify URL-decodes it): DELETE /admin/routes/g.alice
  app.delete<{ Params: { '*': string } }>('/admin/routes/*', async (request): Promise<RouteRemovedResponse> => {
    const prefix = request.params['*'];
    if (prefix === '') throw appError('INVALID_ARGUMENT', { field: 'prefix', reason: 'is required: DELETE /admin/routes/<prefix>' });
    if (!(await node.removeRoute(prefix))) throw appError('ROUTE_NOT_FOUND', { prefix });
    return { success: true, prefix, message: `Route ${prefix} removed` };
  });

  app.get('/admin/balances', () => {
    // the node's own asset (the local agent's), which MCP tools show amounts in
    const asset = node.accountAsset?.('agent');
    return { nodeId: node.nodeId, ...(asset === undefined ? {} : { asset }), accounts: node.getAccounts() };
  });

  app.get<{ Params: { peerId: string } }>('/admin/balances/:peerId', { schema: { params: peerIdParams } }, (request) =>
    node.getBalance(request.params.peerId),
  );

  app.post<{ Body: { destination: string; amount: string; data?: string; timeoutMs?: number; receipt?: boolean } }>(
    '/admin/ilp/send',
    {
      schema: { body: ilpSendBody },
      config: { scope: 'send' },
      // Readiness first: a node that is still starting answers 503 whatever the body.
      preValidation: (_request, _reply, done) => {
        done(node.isReady() ? undefined : appError('NOT_READY'));
      },
    },
    async (request, reply) => {
      const { destination, data } = request.body;
      const amount = parseUint64('amount', request.body.amount);
      if (data !== undefined) checkPacketData(data);
      const answer = await node.sendIlp({
        destination,
        amount,
        ...(data === undefined || data === '' ? {} : { data }),
        timeoutMs: request.body.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
        ...(request.body.receipt === true ? { receipt: true } : {}),
      });
      // A send waiting for approval (docs/agents.md) is accepted for later: 202.
      return reply.code('pending' in answer ? 202 : 200).send(answer);
    },
  );
}

/** Refuses data that is not canonical base64 or exceeds the ILP data limit (the seed wrongly allowed 64 KB). */
function checkPacketData(data: string): void {
  const buf = decodeCanonicalBase64(data);
  if (buf === undefined) {
    throw appError('INVALID_ARGUMENT', { field: 'data', reason: 'must be standard padded base64 (as Buffer.toString("base64") writes it)' });
  }
  if (buf.length > MAX_ILP_DATA_BYTES) {
    throw appError('INVALID_ARGUMENT', {
      field: 'data',
      reason: `decodes to ${buf.length} bytes; ILP packet data is limited to ${MAX_ILP_DATA_BYTES} bytes (RFC 0027)`,
    });
  }
}

/** Refuses a url that is not ws(s):// with a host (the JSON schema checks only the scheme). */
function checkUrl(url: string | undefined, field = 'url'): void {
  if (url === undefined) return;
  let ok = false;
  try {
    const u = new URL(url);
    ok = (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw appError('INVALID_ARGUMENT', { field, reason: 'must be a ws:// or wss:// URL with a host' });
}

/** The peer fields of a body: amounts range-checked, the seed's settlement shape mapped to {chain, address}. */
function toPatch(body: PeerFieldsInput): PeerPatch {
  checkUrl(body.url);
  body.urls?.forEach((u, i) => checkUrl(u, `urls[${i}]`));
  const out: PeerPatch = {};
  if (body.url !== undefined) out.url = body.url;
  if (body.urls !== undefined) out.urls = body.urls;
  if (body.authToken !== undefined) out.authToken = body.authToken;
  if (body.transport !== undefined) out.transport = body.transport;
  if (body.http !== undefined) out.http = body.http;
  if (body.relation !== undefined) out.relation = body.relation;
  if (body.creditLimit !== undefined) out.creditLimit = parseUint64('creditLimit', body.creditLimit);
  if (body.settleThreshold !== undefined) {
    out.settleThreshold = parseUint64('settleThreshold', body.settleThreshold);
    if (out.settleThreshold === '0') throw appError('INVALID_ARGUMENT', { field: 'settleThreshold', reason: 'must be positive (omit it for no automatic settlement)' });
  }
  if (body.maxPacketAmount !== undefined) out.maxPacketAmount = parseUint64('maxPacketAmount', body.maxPacketAmount);
  if (body.rateLimit !== undefined) out.rateLimit = body.rateLimit;
  if (body.assetCode !== undefined) out.assetCode = body.assetCode;
  if (body.assetScale !== undefined) out.assetScale = body.assetScale;
  if (body.settlement !== undefined) out.settlement = toSettlement(body.settlement);
  return out;
}

/** Body -> PeerRegistrationRequest. */
function toRegistration(body: RegisterPeerBody): PeerRegistrationRequest {
  const { id, routes, ...fields } = body;
  return { id, ...(routes === undefined ? {} : { routes }), ...toPatch(fields) };
}

function toSettlement(s: SettlementInput): { chain: 'evm' | 'xrpl' | 'aptos'; address: string } {
  if (s.chain !== undefined && s.address !== undefined) return { chain: s.chain, address: s.address };
  if (s.chain === undefined && s.evmAddress !== undefined) return { chain: 'evm', address: s.evmAddress };
  throw appError('INVALID_ARGUMENT', {
    field: 'settlement',
    reason: 'needs {chain, address} (or the seed form {preference, evmAddress})',
  });
}
