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

const peerSettlementSchema = z
  .strictObject({
    chain: key(z.enum(CHAINS), { description: 'The chain this peer settles on.' }),
    address: key(z.string().min(1, 'must not be empty'), {
      type: 'chain address',
      description: "The peer's account on that chain (EVM 0x address, XRPL r-address, Aptos 0x address).",
    }),
  })
  .superRefine((s, ctx) => {
    const rule = ADDRESS_RULES[s.chain];
    if (!rule.pattern.test(s.address)) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `must be ${rule.example} for chain ${s.chain}` });
    }
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
  authToken: key(
    z
      .string({ error: (iss) => (iss.input === undefined ? 'is required' : undefined) })
      .min(1, 'must not be empty'),
    {
      description: 'Shared BTP secret for this peer (both directions).',
      secret: true,
      env: 'BTP_PEER_<ID>_SECRET',
    },
  ),
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
