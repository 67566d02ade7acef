/**
 * The explorer's JSON API, read by its web UI and usable with curl:
 *
 * - `GET /api/info`     node id, address, version, limits of the history, whether sending is on
 * - `GET /api/health`   the node's health report (same body and status as the health port)
 * - `GET /api/events?limit&since&type&packetId`  history from the ring (see EventStore.query)
 * - `GET /api/peers`, `/api/routes`, `/api/balances`, `/api/channels`
 * - `GET /api/defences`  ledger fail-stop, pre-auth refusals, in-flight cap T03s, late fulfills (defences.ts)
 * - `GET /api/packets/:packetId`  every held event of one packet, and its data preview when known
 * - `POST /api/send`    send a packet from the local agent: only with `explorer.allowSend`, never in
 *   production, and with an admin API key holding the send scope when the admin API has keys (gate.ts)
 * - `GET /api/approvals`, `POST /api/approvals/:id`  approval-routes.ts
 */
import type { FastifyInstance } from 'fastify';
import { appError } from '../../../errors/index.js';
import { LOCAL } from '../../routing/routing-table.js';
import { MAX_ILP_DATA_BYTES, decodeCanonicalBase64 } from '../../delivery/payment-adapter.js';
import { healthReply } from '../health-server.js';
import type { NodeApi } from '../node-api.js';
import { ilpSendBody, parseUint64 } from '../schemas.js';
import type { ChannelView } from './channel-view.js';
import { EVENT_FAMILIES, isKnownTypeFilter, type EventStore } from './event-store.js';
import { preview, type SendPreview, type SendPreviews } from './send-previews.js';
import { defencesOf } from './defences.js';
import { checkAction, needsKey, type ExplorerAction } from './gate.js';

/** Largest page of /api/events. */
export const MAX_PAGE = 1000;
/** Default page of /api/events. */
export const DEFAULT_PAGE = 100;
/** Default wait for a packet sent from the form, in ms. */
const SEND_TIMEOUT_MS = 30_000;

export interface ApiContext {
  node: NodeApi;
  store: EventStore;
  channels: ChannelView;
  previews: SendPreviews;
  /** The send form's gate (gate.ts). */
  send: ExplorerAction;
  /** The approve/deny buttons' gate (gate.ts). */
  approve: ExplorerAction;
}

interface EventsQuery {
  limit?: string;
  since?: string;
  type?: string;
  packetId?: string;
}

const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[0-9]{1,7}$', description: `an integer from 1 to ${MAX_PAGE}` },
    since: { type: 'string', pattern: '^[0-9]{1,16}$', description: 'an event seq (events after it are returned)' },
    type: { type: 'string', maxLength: 1000, description: 'event types or families, comma-separated (packet,settlement:redeemed)' },
    packetId: { type: 'string', maxLength: 200, description: 'a packet id' },
  },
} as const;

const packetParams = {
  type: 'object',
  required: ['packetId'],
  properties: { packetId: { type: 'string', minLength: 1, maxLength: 200, description: 'a packet id' } },
} as const;

/** Registers the /api routes. */
export function registerApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { node, store, channels, previews } = ctx;

  app.get('/api/info', () => ({
    nodeId: node.nodeId,
    ilpAddress: node.ilpAddress,
    version: node.version,
    sendEnabled: ctx.send.enabled,
    sendNeedsKey: needsKey(ctx.send),
    approveEnabled: ctx.approve.enabled,
    approveNeedsKey: needsKey(ctx.approve),
    eventFamilies: EVENT_FAMILIES,
    maxEvents: store.maxEvents,
    retentionMs: store.retentionMs,
    oldestSeq: store.oldestSeq,
    latestSeq: store.latestSeq,
    stats: store.lastStats ?? null,
  }));

  app.get('/api/health', (_request, reply) => {
    const { statusCode, body } = healthReply(node);
    return reply.code(statusCode).send(body);
  });

  app.get<{ Querystring: EventsQuery }>('/api/events', { schema: { querystring: eventsQuery } }, (request) => {
    const q = request.query;
    const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
    if (limit < 1 || limit > MAX_PAGE) throw appError('INVALID_ARGUMENT', { field: 'query parameter limit', reason: `must be an integer from 1 to ${MAX_PAGE}` });
    const types = q.type === undefined ? [] : q.type.split(',').map((t) => t.trim()).filter((t) => t !== '');
    const unknown = types.find((t) => !isKnownTypeFilter(t));
    if (unknown !== undefined) {
      throw appError('INVALID_ARGUMENT', {
        field: 'query parameter type',
        reason: `has an unknown event type "${unknown}" (use a type such as packet:fulfilled or a family: ${EVENT_FAMILIES.join(', ')})`,
      });
    }
    return store.query({
      limit,
      ...(q.since === undefined ? {} : { since: Number(q.since) }),
      types,
      ...(q.packetId === undefined ? {} : { packetId: q.packetId }),
    });
  });

  app.get('/api/peers', () => {
    const live = node.events.snapshot().peers;
    const peers = node.listPeers().map((p) => ({ ...p, reconnectAttempt: live[p.id]?.reconnectAttempt }));
    return { nodeId: node.nodeId, peerCount: peers.length, connectedCount: peers.filter((p) => p.connected).length, peers };
  });

  app.get('/api/routes', () => {
    const routes = node.listRoutes();
    return { nodeId: node.nodeId, routeCount: routes.length, routes };
  });

  app.get('/api/balances', () => {
    const peers = node.listPeers().map((p) => ({
      peerId: p.id,
      relation: p.relation,
      connected: p.connected,
      balance: p.balance,
      ...(p.creditLimit === undefined ? {} : { creditLimit: p.creditLimit }),
      ...(p.settleThreshold === undefined ? {} : { settleThreshold: p.settleThreshold }),
      ...(p.asset === undefined ? {} : { asset: p.asset }),
    }));
    // the node's own asset (the local agent's): what packets from or to `local` are amounts of
    const asset = node.accountAsset?.('agent');
    return { nodeId: node.nodeId, ...(asset === undefined ? {} : { asset }), peers, accounts: node.getAccounts() };
  });

  app.get('/api/channels', () => ({ channels: channels.list() }));

  app.get('/api/defences', () => defencesOf(node));

  app.get<{ Params: { packetId: string } }>('/api/packets/:packetId', { schema: { params: packetParams } }, (request) => {
    const { packetId } = request.params;
    const events = store.query({ limit: MAX_PAGE, packetId }).events;
    const p = previews.get(packetId);
    if (events.length === 0 && p === undefined) throw appError('NOT_FOUND', { what: `Packet ${packetId}` });
    return { packetId, events, preview: p ?? null };
  });

  app.post<{ Body: { destination: string; amount: string; data?: string; timeoutMs?: number } }>(
    '/api/send',
    {
      schema: { body: ilpSendBody },
      preValidation: (request, _reply, done) => {
        const checked = checkAction(ctx.send, request);
        if ('error' in checked) done(checked.error);
        else done(node.isReady() ? undefined : appError('NOT_READY'));
      },
    },
    async (request) => {
      const { destination } = request.body;
      const amount = parseUint64('amount', request.body.amount);
      const raw = request.body.data ?? '';
      const data = raw === '' ? Buffer.alloc(0) : decodeCanonicalBase64(raw);
      if (data === undefined) throw appError('INVALID_ARGUMENT', { field: 'data', reason: 'must be standard padded base64' });
      if (data.length > MAX_ILP_DATA_BYTES) throw appError('INVALID_ARGUMENT', { field: 'data', reason: `must be at most ${MAX_ILP_DATA_BYTES} bytes decoded` });

      // The node assigns the packet id inside sendIlp, synchronously, and emits packet:prepared
      // then (the explorer's subscription keeps events on). The seq window around the call holds
      // exactly that event: the packet is ours, and so is its preview.
      const before = node.events.snapshot().seq;
      const answer = node.sendIlp({ destination, amount, ...(raw === '' ? {} : { data: raw }), timeoutMs: request.body.timeoutMs ?? SEND_TIMEOUT_MS });
      const after = node.events.snapshot().seq;
      // The stream delivers on the next turn (setImmediate, queued before ours): then the ring has it.
      await new Promise((resolve) => setImmediate(resolve));
      const prepared = store
        .query({ since: before, limit: Math.max(1, after - before), types: ['packet:prepared'] })
        .events.find((e) => e.seq <= after && e.type === 'packet:prepared' && e.from === LOCAL);
      const packetId = prepared?.type === 'packet:prepared' ? prepared.packetId : undefined;
      const entry: SendPreview | undefined = packetId === undefined ? undefined : { packetId, ts: Date.now(), prepare: preview(data) };
      if (entry) previews.set(entry);

      const result = await answer;
      if (entry) {
        const back = result.data === undefined ? Buffer.alloc(0) : Buffer.from(result.data, 'base64');
        entry.response = { type: result.fulfilled ? 'fulfill' : 'reject', ...preview(back) };
      }
      return { ...result, ...(packetId === undefined ? {} : { packetId }) };
    },
  );
}
