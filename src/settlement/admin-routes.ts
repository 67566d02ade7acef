/**
 * The admin API's channel and settlement endpoints (the seed's shapes, seed notes §8), mounted by the
 * core on its one admin server:
 *
 * - `GET /admin/settlement/states` → `[{peerId, tokenId, chain, state, owed, …}]`
 * - `GET /admin/channels[?peerId&status&direction&chain]` → `[ChannelView]` (every chain's)
 * - `GET /admin/channels/:id` → `ChannelView` (re-read from the chain)
 * - `POST /admin/channels` `{peerId, chain?, initialDeposit, settlementTimeout?}` → 201 `ChannelView`
 *   (chain: evm | xrpl | aptos, default the peer's settlement.chain; it must be that one)
 * - `POST /admin/channels/:id/deposit` `{amount}` → `ChannelView & {txHash}`
 * - `POST /admin/channels/:id/withdraw` `{amount}` → `ChannelView & {txHash}`
 * - `POST /admin/channels/:id/close` `{cooperative?}` → `ChannelView & {txHash}`
 * - `GET /admin/channels/:id/claims` → the latest claim and what of it is acknowledged and redeemed
 * - `POST /admin/settlement/settle/:peerId` → `SettleResult`
 * - `GET /admin/settlement/operations[?state&chain&channelId&peerId]` → our transactions, newest first,
 *   each pending / final / failed / reorged with its confirmations (operation-log.ts)
 *
 * Amounts are asset units as decimal strings. Errors: 400 INVALID_ARGUMENT, 404 PEER_NOT_FOUND /
 * CHANNEL_NOT_FOUND, 409 CHANNEL_EXISTS / CONFLICT, 503 NOT_READY (chain not connected), 500
 * SETTLEMENT_FAILED (the chain refused or failed, with its reason).
 */
import type { FastifyInstance } from 'fastify';
import { peerId, peerIdParams, type AdminRoutePlugin } from '../node/ports.js';
import type { OperationsApi } from './multi-operations.js';

const channelId = {
  type: 'string',
  pattern: '^(0x)?[0-9a-fA-F]{64}$',
  description: 'a channel id (EVM, Aptos: 0x and 64 hex digits; XRPL: 64 hex digits)',
} as const;

const assetAmount = {
  type: 'string',
  pattern: '^[0-9]{1,30}$',
  description: 'an amount in asset units as a decimal string, e.g. "1000000"',
} as const;

const channelParams = { type: 'object', required: ['id'], properties: { id: channelId } } as const;

const openBody = {
  type: 'object',
  required: ['peerId', 'initialDeposit'],
  additionalProperties: false,
  properties: {
    peerId,
    chain: { type: 'string', maxLength: 64, description: "evm, xrpl or aptos (or evm:<network>:<chainId>); default: the peer's settlement.chain" },
    initialDeposit: assetAmount,
    settlementTimeout: { type: 'integer', minimum: 1, maximum: 31536000, description: "whole seconds (the chain's range; 3600..31536000 on every chain today)" },
  },
} as const;

const amountBody = { type: 'object', required: ['amount'], additionalProperties: false, properties: { amount: assetAmount } } as const;

const closeBody = {
  type: 'object',
  additionalProperties: false,
  properties: { cooperative: { type: 'boolean', description: 'true or false' } },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    peerId,
    status: { type: 'string', enum: ['open', 'closing', 'settled'], description: 'one of open, closing, settled' },
    direction: { type: 'string', enum: ['outgoing', 'incoming'], description: 'outgoing or incoming' },
    chain: { type: 'string', maxLength: 64 },
  },
} as const;

const operationsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['pending', 'final', 'failed', 'reorged'], description: 'one of pending, final, failed, reorged' },
    chain: { type: 'string', enum: ['evm', 'xrpl', 'aptos'], description: 'evm, xrpl or aptos' },
    channelId,
    peerId,
  },
} as const;

/** The admin route plugin over the engine's operations. */
export function settlementAdminRoutes(ops: OperationsApi): AdminRoutePlugin {
  return (app: FastifyInstance) => {
    app.get('/admin/settlement/states', () => ops.states());

    app.get<{ Querystring: { state?: string; chain?: string; channelId?: string; peerId?: string } }>(
      '/admin/settlement/operations',
      { schema: { querystring: operationsQuery } },
      (request) => ops.operationsList(request.query),
    );

    app.get<{ Querystring: { peerId?: string; status?: string; direction?: string; chain?: string } }>('/admin/channels', { schema: { querystring: listQuery } }, (request) =>
      ops.listChannels(request.query),
    );

    app.get<{ Params: { id: string } }>('/admin/channels/:id', { schema: { params: channelParams } }, (request) => ops.channel(request.params.id));

    app.get<{ Params: { id: string } }>('/admin/channels/:id/claims', { schema: { params: channelParams } }, (request) => ops.claims(request.params.id));

    app.post<{ Body: { peerId: string; chain?: string; initialDeposit: string; settlementTimeout?: number } }>(
      '/admin/channels',
      { schema: { body: openBody } },
      async (request, reply) => reply.code(201).send(await ops.open(request.body)),
    );

    app.post<{ Params: { id: string }; Body: { amount: string } }>('/admin/channels/:id/deposit', { schema: { params: channelParams, body: amountBody } }, (request) =>
      ops.deposit(request.params.id, request.body.amount),
    );

    app.post<{ Params: { id: string }; Body: { amount: string } }>('/admin/channels/:id/withdraw', { schema: { params: channelParams, body: amountBody } }, (request) =>
      ops.withdraw(request.params.id, request.body.amount),
    );

    app.post<{ Params: { id: string }; Body: { cooperative?: boolean } | undefined }>(
      '/admin/channels/:id/close',
      { schema: { params: channelParams, body: closeBody } },
      (request) => ops.close(request.params.id, request.body?.cooperative === true),
    );

    app.post<{ Params: { peerId: string } }>('/admin/settlement/settle/:peerId', { schema: { params: peerIdParams } }, (request) => ops.settle(request.params.peerId));
  };
}
