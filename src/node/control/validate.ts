/**
 * Validation of runtime peer and route changes with the config's own zod schemas (peerSchema,
 * routeSchema): a peer added through the admin API or the library obeys exactly the rules of one
 * written in config.yaml. A failure is an INVALID_ARGUMENT naming the field.
 */
import type { z } from 'zod';
import { peerSchema, peerTransportIssues, routeSchema } from '../../config/schema-peers.js';
import { formatPath } from '../../config/names.js';
import { settlementAssetProblem, type ChainAssetSettings } from '../../config/chain-assets.js';
import type { Chain } from '../../config/index.js';
import { appError } from '../../errors/index.js';
import type { PeerSpec } from '../peers.js';
import { LOCAL } from '../routing/routing-table.js';
import type { PeerRelation } from '../types.js';

/** A peer as the library and the admin API give it (amounts as bigint or decimal string). */
export interface PeerInput {
  id: string;
  url?: string;
  /** more BTP URLs of the same peer (config `peers[].urls`): the client dials url, then these in turn */
  urls?: string[];
  /** the BTP secret (transport btp) */
  authToken?: string;
  /** btp (default) or http (ILP-over-HTTP, RFC 0035) */
  transport?: 'btp' | 'http';
  /** ILP-over-HTTP endpoint and tokens (transport http) */
  http?: { url?: string; incomingToken?: string; outgoingToken?: string };
  relation?: PeerRelation;
  maxPacketAmount?: bigint | string;
  creditLimit?: bigint | string;
  settleThreshold?: bigint | string;
  rateLimit?: { packetsPerSecond: number; burst?: number };
  settlement?: { chain: 'evm' | 'xrpl' | 'aptos'; address: string };
  /** The peer's asset code and scale; unset: the node's. */
  assetCode?: string;
  assetScale?: number;
  /** route broadcast (CCP) switches; unset: on for parent and peer, off for child */
  sendRoutes?: boolean;
  receiveRoutes?: boolean;
}

/** The fields of a peer that `update` may change (everything but the id). */
export const PEER_FIELDS = [
  'url',
  'urls',
  'authToken',
  'transport',
  'http',
  'relation',
  'maxPacketAmount',
  'creditLimit',
  'settleThreshold',
  'rateLimit',
  'settlement',
  'assetCode',
  'assetScale',
  'sendRoutes',
  'receiveRoutes',
] as const;
export type PeerField = (typeof PEER_FIELDS)[number];

function invalid(error: z.ZodError, prefix = ''): never {
  const issue = error.issues[0];
  const path = formatPath(issue.path);
  const field = prefix === '' ? path || 'request' : path === '' ? prefix : `${prefix}.${path}`;
  throw appError('INVALID_ARGUMENT', { field, reason: issue.message });
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What a peer's asset is checked against: the node's asset and the chains it settles on. */
export interface AssetContext {
  assetCode: string;
  assetScale: number;
  settlement: { enabled: boolean } & ChainAssetSettings & { evm?: unknown; xrpl?: unknown; aptos?: unknown };
}

/**
 * Validates a peer with the config schema.
 * @param nodeId our own id, which no peer may take
 * @param node the node's asset and settlement chains: a peer must settle on a chain that carries its asset
 * @throws AppError INVALID_ARGUMENT naming the field; SETTLEMENT_ASSET_MISMATCH
 */
export function parsePeer(input: PeerInput, nodeId: string, node: AssetContext): PeerSpec {
  // Only the peer's own fields: routes travel apart, and the library's callers may pass more (ignored as before).
  const fields = { id: input.id, authToken: input.authToken, ...Object.fromEntries(PEER_FIELDS.map((f) => [f, input[f]])) };
  const parsed = peerSchema.safeParse(defined(fields));
  if (!parsed.success) invalid(parsed.error);
  const p = parsed.data;
  const issue = peerTransportIssues(p)[0];
  if (issue !== undefined) throw appError('INVALID_ARGUMENT', { field: formatPath(issue.path), reason: issue.hint === undefined ? issue.message : `${issue.message} (${issue.hint})` });
  if (p.id === nodeId) throw appError('INVALID_ARGUMENT', { field: 'id', reason: `${p.id} is our own nodeId: a peer needs another id` });
  if (p.id === LOCAL) throw appError('INVALID_ARGUMENT', { field: 'id', reason: `"${LOCAL}" names local delivery in routes: a peer needs another id` });
  checkSettlementAsset(p.id, p.assetCode ?? node.assetCode, p.settlement?.chain, node);
  const asset = p.assetCode !== undefined || p.assetScale !== undefined ? { code: p.assetCode ?? node.assetCode, scale: p.assetScale ?? node.assetScale } : undefined;
  return {
    id: p.id,
    relation: p.relation,
    source: 'runtime',
    ...defined({
      authToken: p.authToken,
      transport: p.transport === 'http' ? p.transport : undefined,
      http: p.http,
      // as a config peer's (control-plane.ts configPeerSpec): url first, then the others, each once
      url: p.url ?? p.urls?.[0],
      urls: p.urls === undefined ? undefined : [...new Set([...(p.url === undefined ? [] : [p.url]), ...p.urls])],
      maxPacketAmount: p.maxPacketAmount,
      creditLimit: p.creditLimit,
      settleThreshold: p.settleThreshold,
      rateLimit: p.rateLimit,
      settlement: p.settlement,
      asset,
      sendRoutes: p.sendRoutes,
      receiveRoutes: p.receiveRoutes,
    }),
  };
}

/** A peer settled on a chain whose channels hold another asset is refused (config/chain-assets.ts). */
function checkSettlementAsset(peerId: string, assetCode: string, chain: Chain | undefined, node: AssetContext): void {
  const s = node.settlement;
  if (chain === undefined || !s.enabled || s[chain] === undefined) return;
  const problem = settlementAssetProblem(assetCode, chain, s, node.assetCode);
  if (problem !== undefined) throw appError('SETTLEMENT_ASSET_MISMATCH', { peerId, chain, chainAsset: problem.chainAsset, reason: problem.reason });
}

/** A spec back in input form (to merge a partial update into it). */
export function specToInput(spec: PeerSpec): PeerInput {
  const { source: _source, asset, ...rest } = spec;
  return asset === undefined ? rest : { ...rest, assetCode: asset.code, assetScale: asset.scale };
}

/** Validates one route with the config schema; `field` prefixes the path in the error (e.g. `routes[0]`). */
export function parseRoute(input: { prefix: string; nextHop: string; priority?: number }, field = ''): { prefix: string; nextHop: string; priority: number } {
  const parsed = routeSchema.safeParse(defined({ ...input }));
  if (!parsed.success) invalid(parsed.error, field);
  return parsed.data;
}

/** The fields whose value differs between two specs. */
export function changedFields(before: PeerSpec, after: PeerSpec): PeerField[] {
  const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  const [b, a] = [specToInput(before), specToInput(after)];
  return PEER_FIELDS.filter((f) => show(b[f]) !== show(a[f]));
}
