/**
 * Schemas of one peer and one route. The node schema lists them in `peers[]` and `routes[]`;
 * the core validates peers and routes added at runtime with the same schemas.
 */
import { z } from 'zod';
import {
  APTOS_ADDRESS_PATTERN,
  EVM_ADDRESS_PATTERN,
  ILP_PREFIX_PATTERN,
  MAX_ADDRESS_LENGTH,
  MAX_UINT64,
  XRPL_ADDRESS_PATTERN,
  amountField,
  idField,
  key,
  secretField,
  urlField,
} from './fields.js';

/** Settlement chains the node can use. */
export const CHAINS = ['evm', 'xrpl', 'aptos'] as const;
/** A settlement chain id. */
export type Chain = (typeof CHAINS)[number];

/** Peer relations: a parent gives us our address and default route, a child gets one from us. */
export const RELATIONS = ['parent', 'peer', 'child'] as const;

const ADDRESS_RULES: Record<Chain, { pattern: RegExp; example: string }> = {
  evm: { pattern: EVM_ADDRESS_PATTERN, example: '0x followed by 40 hex digits' },
  xrpl: { pattern: XRPL_ADDRESS_PATTERN, example: 'a classic r… address' },
  aptos: { pattern: APTOS_ADDRESS_PATTERN, example: '0x followed by up to 64 hex digits' },
};

const rateLimitSchema = z
  .strictObject({
    packetsPerSecond: key(z.number().positive(), {
      description: 'Sustained Prepares per second accepted from this peer; more are rejected with T05.',
    }),
    burst: key(z.int().min(1).optional(), {
      description: 'Prepares that may arrive at once above the sustained rate (token bucket size).',
      default: 'packetsPerSecond, rounded up',
    }),
  })
  .transform((r) => ({ packetsPerSecond: r.packetsPerSecond, burst: r.burst ?? Math.ceil(r.packetsPerSecond) }));

const autoDepositSchema = z
  .strictObject({
    below: key(amountField({ min: 0n, minMessage: 'must be 0 or more' }), {
      description: "Top up our channel to this peer when what its deposit still covers beyond our latest claim falls below this (the peer's asset units).",
      kind: 'amount',
    }),
    topUpTo: key(amountField({ min: 1n, minMessage: 'must be greater than 0' }), {
      description: "Deposit enough to bring what the channel covers back to this (the peer's asset units); must be above below.",
      kind: 'amount',
    }),
    maxDeposit: key(amountField({ min: 1n, minMessage: 'must be greater than 0' }).optional(), {
      description: "The most the channel's total deposit may reach by automatic top-ups (the peer's asset units). Unset: no cap beyond topUpTo.",
      kind: 'amount',
    }),
  })
  .superRefine((a, ctx) => {
    if (a.topUpTo <= a.below) ctx.addIssue({ code: 'custom', path: ['topUpTo'], message: `must be above below (${a.below}): a top-up must lift the channel over the line it is made at` });
  });

const peerSettlementSchema = z
  .strictObject({
    chain: key(z.enum(CHAINS), { description: 'The chain this peer settles on.' }),
    address: key(z.string().min(1, 'must not be empty'), {
      type: 'chain address',
      description: "The peer's account on that chain (EVM 0x address, XRPL r-address, Aptos 0x address).",
    }),
    autoDeposit: autoDepositSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const rule = ADDRESS_RULES[s.chain];
    if (!rule.pattern.test(s.address)) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `must be ${rule.example} for chain ${s.chain}` });
    }
  });

/** How packets reach a peer: BTP over WebSocket (RFC 0023) or ILP-over-HTTP (RFC 0035). */
export const TRANSPORTS = ['btp', 'http'] as const;

/** `peers[].http`: an ILP-over-HTTP peer's endpoint and tokens. */
const peerHttpSchema = z.strictObject({
  url: key(urlField(['http:', 'https:']).optional(), {
    type: 'http(s) URL',
    description: "The peer's ILP-over-HTTP endpoint we POST our Prepares to. Absent: we only receive from this peer.",
  }),
  incomingToken: key(secretField().optional(), {
    description: 'The bearer token this peer sends us (Authorization: Bearer <token>), checked in constant time.',
    secret: true,
  }),
  outgoingToken: key(secretField().optional(), {
    description: 'The bearer token we send this peer with each Prepare.',
    secret: true,
  }),
});

/** One configured peer: who it is, how we reach it, and its limits. */
export const peerSchema = z.strictObject({
  id: key(idField(), {
    type: 'id',
    description: 'Peer id, unique; the BTP username it authenticates with and its child address segment.',
  }),
  url: key(urlField(['ws:', 'wss:']).optional(), {
    description: 'BTP WebSocket URL. Present: we dial the peer. Absent: the peer dials us.',
    type: 'ws(s) URL',
  }),
  urls: key(z.array(urlField(['ws:', 'wss:'])).min(1, 'must list at least one URL').optional(), {
    description: 'More BTP URLs of the same peer (e.g. each instance of a cluster): we dial url, then these in turn, moving to the next when one fails or drops.',
    type: 'ws(s) URL list',
  }),
  authToken: key(z.string().min(1, 'must not be empty').optional(), {
    description: 'Shared BTP secret for this peer (both directions); required for transport btp.',
    secret: true,
    env: 'BTP_PEER_<ID>_SECRET',
  }),
  transport: key(z.enum(TRANSPORTS).optional(), {
    default: 'btp',
    description: 'btp: BTP over WebSocket (url, authToken). http: ILP-over-HTTP, RFC 0035 (http.url, http.incomingToken, http.outgoingToken).',
  }),
  http: peerHttpSchema.optional(),
  relation: key(z.enum(RELATIONS).default('peer'), {
    description: 'parent (we learn our address from it; default route), peer, or child (we give it an address).',
  }),
  assetCode: key(z.string().min(1).optional(), {
    description: "The peer's asset code; unset = the node's. A different one is converted with rates.",
  }),
  assetScale: key(z.int().min(0).max(255).optional(), {
    description: "The peer's asset scale; unset = the node's.",
  }),
  maxPacketAmount: key(
    amountField({ min: 0n, max: MAX_UINT64, minMessage: 'must be 0 or more' }).optional(),
    { description: 'Largest Prepare amount accepted from this peer (asset units); larger ones get F08.', kind: 'amount' },
  ),
  creditLimit: key(amountField({ min: 0n, minMessage: 'must be 0 or more' }).optional(), {
    description: 'How far this peer may owe us (asset units) before its Prepares get T04. Unset: unlimited.',
    kind: 'amount',
  }),
  settleThreshold: key(amountField({ min: 1n, minMessage: 'must be greater than 0' }).optional(), {
    description: 'When we owe this peer at least this much (asset units) we send it a claim. Unset: no automatic claims.',
    kind: 'amount',
  }),
  rateLimit: rateLimitSchema.optional(),
  settlement: peerSettlementSchema.optional(),
  sendRoutes: key(z.boolean().optional(), {
    description: 'Send our routes to this peer by CCP.',
    default: 'true for parent and peer, false for child',
  }),
  receiveRoutes: key(z.boolean().optional(), {
    description: 'Accept routes from this peer by CCP.',
    default: 'true for parent and peer, false for child',
  }),
});

/** One problem of a peer's transport fields (path relative to the peer). */
export interface PeerTransportIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

/**
 * The rules that tie a peer's transport to its other fields, shared by the config file's checks and
 * runtime validation. Settlement needs BTP: claims travel as BTP sub-protocol frames, and
 * ILP-over-HTTP has no channel for them.
 */
export function peerTransportIssues(p: {
  transport?: (typeof TRANSPORTS)[number];
  authToken?: string;
  url?: string;
  urls?: string[];
  http?: { url?: string; incomingToken?: string; outgoingToken?: string };
  settlement?: unknown;
  settleThreshold?: unknown;
}): PeerTransportIssue[] {
  const out: PeerTransportIssue[] = [];
  if (p.transport !== 'http') {
    if (p.authToken === undefined) out.push({ path: ['authToken'], message: 'is required' });
    if (p.http !== undefined) out.push({ path: ['http'], message: 'is set but transport is btp', hint: 'set transport: http to peer over ILP-over-HTTP, or remove http' });
    return out;
  }
  if (p.url !== undefined) out.push({ path: ['url'], message: 'is a BTP URL but transport is http', hint: "put the peer's ILP-over-HTTP endpoint in http.url" });
  if (p.urls !== undefined) out.push({ path: ['urls'], message: 'are BTP URLs but transport is http', hint: "put the peer's ILP-over-HTTP endpoint in http.url" });
  if (p.http?.incomingToken === undefined) out.push({ path: ['http', 'incomingToken'], message: 'is required for transport http', hint: 'the bearer token this peer sends us with each Prepare' });
  if (p.http?.url !== undefined && p.http.outgoingToken === undefined) {
    out.push({ path: ['http', 'outgoingToken'], message: 'is required when http.url is set', hint: 'the bearer token we send the peer with each Prepare' });
  }
  const why = 'settlement claims need BTP: ILP-over-HTTP has no channel for them';
  if (p.settlement !== undefined) out.push({ path: ['settlement'], message: `is not available with transport http (${why})`, hint: 'peer over BTP to settle, or remove settlement' });
  if (p.settleThreshold !== undefined) out.push({ path: ['settleThreshold'], message: `is not available with transport http (${why})`, hint: 'peer over BTP to settle, or remove settleThreshold' });
  return out;
}

/** One static route: packets whose destination starts with `prefix` go to `nextHop`. */
export const routeSchema = z.strictObject({
  prefix: key(
    z
      .string()
      .max(MAX_ADDRESS_LENGTH)
      .regex(ILP_PREFIX_PATTERN, 'must be an ILP address prefix such as g or g.peer-b (scheme, then .segments)'),
    { description: 'ILP address prefix; the longest matching prefix wins.', type: 'ILP address prefix' },
  ),
  nextHop: key(idField(), {
    type: 'id',
    description: "A peer id, or 'local' (or our nodeId) for local delivery.",
  }),
  priority: key(z.int().default(0), {
    description: 'Among routes with the same prefix the higher priority wins.',
  }),
});
