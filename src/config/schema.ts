/**
 * The one config schema: the single source of the config type, its defaults and its validation.
 *
 * Every object is strict (unknown keys fail). Cross-field rules live in `rules.ts` and run as part
 * of this schema, so `configSchema.parse` alone accepts exactly the configs the node can run. The
 * loader (`load.ts`) adds what a schema cannot know: files, the environment, the cwd for `dataDir`.
 */
import { z } from 'zod';
import {
  EVM_ADDRESS_PATTERN,
  ILP_ADDRESS_PATTERN,
  MAX_ADDRESS_LENGTH,
  amountField,
  hostField,
  idField,
  ipListField,
  key,
  nonNegativeInt,
  portField,
  positiveInt,
  secretField,
  urlField,
} from './fields.js';
import { checkRules } from './rules.js';
import { APTOS_DEFAULT_ASSET_CODE } from './chain-assets.js';

/** A host name, an IP address (IPv6 with or without brackets) or `*.domain`. */
const HOST_NAME_OR_WILDCARD = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$|^\[?[0-9A-Fa-f:.]+\]?$/;
import { peerSchema, routeSchema } from './schema-peers.js';
import { adminKeysField, checkAgentRules, policiesSchema } from './schema-agents.js';
import { assetCodeField, ratesSchema } from './schema-rates.js';
import { routingSchema } from './schema-routing.js';
import { checkClusterRules, clusterSchema } from './schema-cluster.js';
import { httpSchema } from './schema-http.js';

export { CHAINS, RELATIONS, TRANSPORTS, peerSchema, peerTransportIssues, routeSchema } from './schema-peers.js';
export type { Chain } from './schema-peers.js';

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const localDeliverySchema = z.strictObject({
  enabled: key(z.boolean().default(false), {
    description: 'Forward packets for this node to an HTTP server (POST {handlerUrl}/handle-packet).',
  }),
  handlerUrl: key(urlField(['http:', 'https:']).optional(), {
    description: 'Base URL of the business-logic server; required when enabled.',
    type: 'http(s) URL',
  }),
  timeout: key(positiveInt(30_000), { description: 'How long to wait for the handler (ms); then R00.' }),
  authToken: key(secretField().optional(), {
    description: 'Bearer token sent to the handler in the Authorization header.',
    secret: true,
    env: 'AGENT_RUNTIME_LOCAL_DELIVERY_AUTH_TOKEN',
  }),
});

const adminApiSchema = z
  .strictObject({
    enabled: key(z.boolean().default(false), {
      description: 'Serve the admin HTTP API (the CLI talks to it). Off for a library node unless set; `agent-runtime start` defaults it to true.',
    }),
    host: key(hostField('127.0.0.1'), {
      type: 'host',
      description: 'Admin API bind address; a non-loopback host requires apiKey.',
    }),
    port: key(portField(8081), { description: 'Admin API port (0 = any free port).' }),
    apiKey: key(secretField().optional(), {
      description: 'Required X-Api-Key header value; unset on loopback = no key.',
      secret: true,
      env: 'AGENT_RUNTIME_API_KEY',
    }),
    allowedIps: key(ipListField().optional(), {
      type: 'IP or CIDR list',
      description: 'Client IPs and CIDR blocks allowed to call the API (comma-separated in env). Empty: any.',
      default: '[]',
    }),
    allowedIPs: key(ipListField().optional(), {
      type: 'IP or CIDR list',
      description: "The seed's spelling of allowedIps, accepted as an alias.",
      aliasOf: 'adminApi.allowedIps',
    }),
    maxBodyBytes: key(positiveInt(65_536), { description: 'Largest request body accepted (bytes).' }),
    keys: adminKeysField(),
  })
  .superRefine((a, ctx) => {
    if (a.allowedIps !== undefined && a.allowedIPs !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedIPs'],
        message: 'both allowedIps and its alias allowedIPs are set',
        params: { hint: 'keep only allowedIps' },
      });
    }
  })
  .transform(({ allowedIPs, allowedIps, ...rest }) => ({ ...rest, allowedIps: allowedIps ?? allowedIPs ?? [] }));

const explorerSchema = z.strictObject({
  enabled: key(z.boolean().default(false), { description: 'Serve the explorer web UI with a live event stream.' }),
  host: key(hostField('127.0.0.1'), { type: 'host', description: 'Explorer bind address.' }),
  port: key(portField(3001), { description: 'Explorer port (0 = any free port).' }),
  maxEvents: key(positiveInt(10_000), { description: 'Events kept in memory for the UI.' }),
  retentionMs: key(positiveInt(3_600_000), { description: 'How long events are kept (ms).' }),
  allowSend: key(z.boolean().default(false), {
    description: 'Enable the send form (POST /api/send); with admin keys set it then needs one with the send scope (the apiKey has every scope). Ignored (off) in production.',
  }),
  allowApprove: key(z.boolean().default(false), {
    description: 'Enable the approve/deny buttons of the Approvals tab (POST /api/approvals/:id); with admin keys set they then need one with the approve scope. Ignored (off) in production.',
  }),
});

const metricsSchema = z.strictObject({
  enabled: key(z.boolean().default(true), {
    description: 'Serve Prometheus metrics at /metrics on the health port.',
  }),
});

const evmSchema = z.strictObject({
  rpcUrl: key(urlField(['http:', 'https:', 'ws:', 'wss:']), {
    description: 'JSON-RPC endpoint of the EVM chain (production requires https or wss).',
    type: 'http(s)/ws(s) URL',
  }),
  chainId: key(z.int().min(1), { description: 'EVM chain id (e.g. 8453 for Base).' }),
  contract: key(z.string().regex(EVM_ADDRESS_PATTERN, 'must be 0x followed by 40 hex digits'), {
    type: 'EVM address',
    description: 'Address of the payment channel contract.',
  }),
  token: key(z.string().regex(EVM_ADDRESS_PATTERN, 'must be 0x followed by 40 hex digits'), {
    type: 'EVM address',
    description: 'Address of the ERC-20 token the channels hold.',
  }),
  assetCode: key(assetCodeField().optional(), {
    description: "The token's asset code: only peers of this asset settle on EVM.",
    default: "the node's assetCode",
  }),
  privateKey: key(
    z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex (64 hex digits, 0x optional)').optional(),
    { description: 'Key that signs our claims and transactions.', secret: true, env: 'AGENT_RUNTIME_EVM_PRIVATE_KEY', envOnlyWithSection: true },
  ),
  pollIntervalMs: key(positiveInt(5000), {
    description: 'How often the chain is read for channel changes (deposits, redemptions, closes), in ms.',
  }),
  resendIntervalMs: key(positiveInt(10_000), {
    description: 'How often a claim the peer has not acknowledged is sent again, in ms.',
  }),
  confirmations: key(z.int().min(1).max(1000).optional(), {
    description: 'Blocks that must hold a deposit, redemption or close before it counts (unset: 1 on chain ids 31337 and 1337, 12 elsewhere).',
    default: '1 on 31337/1337, else 12',
  }),
  replaceAfterMs: key(positiveInt(60_000), {
    description: 'A transaction of ours not mined after this long is replaced by the same one (same nonce) at a higher fee (max fee and priority fee +12.5% or the market, whichever is more), in ms.',
  }),
  maxFeePerGasGwei: key(z.number().positive().max(1_000_000).optional(), {
    description: 'The highest maxFeePerGas we offer, in gwei (decimals allowed, e.g. 0.5 on an L2): the first offer and every fee bump stop there.',
    default: '10 × the first offer of each transaction',
  }),
});

const xrplSchema = z.strictObject({
  server: key(urlField(['ws:', 'wss:']), {
    description: 'rippled WebSocket endpoint (production requires wss).',
    type: 'ws(s) URL',
  }),
  seed: key(secretField().optional(), {
    description: 'XRPL account seed that signs our claims and transactions.',
    secret: true,
    env: 'AGENT_RUNTIME_XRPL_SEED',
    envOnlyWithSection: true,
  }),
  pollIntervalMs: key(positiveInt(5000), {
    description: 'How often the chain is read for channel changes (deposits, redemptions, closes), in ms.',
  }),
  resendIntervalMs: key(positiveInt(10_000), {
    description: 'How often a claim the peer has not acknowledged is sent again, in ms.',
  }),
});

const aptosSchema = z.strictObject({
  nodeUrl: key(urlField(['http:', 'https:']), {
    description: 'Aptos fullnode REST URL (production requires https).',
    type: 'http(s) URL',
  }),
  module: key(
    z.string().regex(/^0x[0-9a-fA-F]{1,64}::[A-Za-z_][A-Za-z0-9_]*$/, 'must be <0x address>::<module name>'),
    { description: 'The payment channel Move module, as <address>::<name>.', type: 'Move module id' },
  ),
  coinType: key(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{1,64}::[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*$/, 'must be a coin type <0x address>::<module>::<Name>, e.g. 0x1::aptos_coin::AptosCoin')
      .default('0x1::aptos_coin::AptosCoin'),
    { description: 'The coin the channels hold, as <address>::<module>::<Name>.', type: 'Move coin type' },
  ),
  assetCode: key(assetCodeField().default(APTOS_DEFAULT_ASSET_CODE), {
    description: "The coin's asset code: only peers of this asset settle on Aptos.",
  }),
  privateKey: key(
    z
      .string()
      .regex(/^(ed25519-priv-)?0x[0-9a-fA-F]{64}$/, 'must be an Ed25519 key: 0x and 64 hex digits, or the AIP-80 form ed25519-priv-0x and 64 hex digits')
      .optional(),
    {
      description: 'Ed25519 key that signs our claims and transactions (0x + 64 hex digits, or ed25519-priv-0x…).',
      secret: true,
      env: 'AGENT_RUNTIME_APTOS_PRIVATE_KEY',
      envOnlyWithSection: true,
    },
  ),
  pollIntervalMs: key(positiveInt(5000), {
    description: 'How often the chain is read for channel changes (deposits, redemptions, closes), in ms.',
  }),
  resendIntervalMs: key(positiveInt(10_000), {
    description: 'How often a claim the peer has not acknowledged is sent again, in ms.',
  }),
});

const settlementSchema = z.strictObject({
  enabled: key(z.boolean().default(false), {
    description: 'Send and accept payment-channel claims and redeem them on-chain.',
  }),
  redeem: z
    .strictObject({
      minAmount: key(amountField({ min: 0n, minMessage: 'must be 0 or more' }).default(0n), {
        description: 'Smallest claim worth redeeming on-chain (asset units).',
        kind: 'amount',
      }),
      intervalMs: key(nonNegativeInt(0), { description: 'Redeem the best claims every this many ms (0 = off).' }),
      onClose: key(z.boolean().default(true), { description: 'Redeem the best claim when a channel closes.' }),
    })
    .prefault({}),
  evm: evmSchema.optional(),
  xrpl: xrplSchema.optional(),
  aptos: aptosSchema.optional(),
});

const securitySchema = z.strictObject({
  environment: key(z.enum(['development', 'production']).default('development'), {
    description: 'production refuses development keys, plain http RPC URLs and an admin API without apiKey.',
  }),
  allowedHosts: key(z.array(z.string().regex(HOST_NAME_OR_WILDCARD, 'must be a host name, an IP address or *.domain')).default([]), {
    type: 'host list',
    description: 'Host header names every listener accepts besides loopback / its own addresses (a reverse proxy public name; *.domain for subdomains).',
    default: '[]',
  }),
  trustProxy: key(z.boolean().default(false), {
    description: 'Take the client address from X-Forwarded-For (set only behind a reverse proxy that writes it).',
  }),
});

const performanceSchema = z.strictObject({
  expiryMarginMs: key(nonNegativeInt(1000), {
    description: 'Subtracted from the expiry of every forwarded Prepare (ms); less left than this is R02.',
  }),
  maxHoldTimeMs: key(positiveInt(30_000), { description: 'Longest we wait for the next hop (ms).' }),
  maxFrameBytes: key(positiveInt(65_536), { description: 'Largest BTP frame accepted (bytes).' }),
  maxInFlightPerPeer: key(nonNegativeInt(1024), {
    description: 'Most Prepares from one peer awaiting an answer at once; more get T03 (0 = no limit).',
  }),
  maxInFlightBytesPerPeer: key(nonNegativeInt(8 * 1024 * 1024), {
    description: 'Most data bytes of one peer\'s Prepares awaiting an answer at once; more get T03 (0 = no limit; peer.route.* exempt).',
  }),
  maxPreAuthConnections: key(positiveInt(512), {
    description: 'Connections not yet authenticated (BTP; ILP-over-HTTP before their first authenticated request), in total; past it new connections are closed at once.',
  }),
  maxPreAuthPerAddress: key(positiveInt(32), {
    description: 'Connections not yet authenticated from one client address; past it BTP closes them at once and ILP-over-HTTP holds them unread until one of the address\'s connections authenticates.',
  }),
  preAuthTimeoutMs: key(positiveInt(5000), {
    description: 'How long a new BTP connection has to upgrade and authenticate (ms).',
  }),
});

const postgresTlsSchema = z.strictObject({
  enabled: key(z.boolean().default(false), { description: 'Connect to PostgreSQL over TLS (else what the URL\'s sslmode says).' }),
  ca: key(z.string().min(1).optional(), { type: 'path', description: 'PEM file of the CA that signed the server\'s certificate (default: the system\'s CAs).' }),
  rejectUnauthorized: key(z.boolean().default(true), { description: 'Refuse a server whose certificate does not verify.' }),
});

const postgresSchema = z.strictObject({
  url: key(
    secretField()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (postgres://user:password@host:port/database)')
      .optional(),
    {
      description: 'The ledger database with ledger.backend: postgres (postgres://user:password@host:port/database); shown redacted.',
      secret: true,
      env: 'AGENT_RUNTIME_LEDGER_POSTGRES_URL',
      type: 'postgres URL',
    },
  ),
  tls: postgresTlsSchema.prefault({}),
  maxBatchesInFlight: key(positiveInt(4), { description: 'Batch transactions committing at once (group commit: each holds every commit of one event-loop turn).' }),
});

const ledgerSchema = z.strictObject({
  backend: key(z.enum(['leveldb', 'postgres']).default('leveldb'), {
    description: 'Where the books are: leveldb (embedded, under dataDir) or postgres (ledger.postgres.url).',
  }),
  postgres: postgresSchema.prefault({}),
  sync: key(z.boolean().default(true), { description: 'fdatasync every ledger batch before its Fulfills go upstream (power-loss durable); false: page cache only (survives kill -9, not power loss).' }),
  journalRetentionMs: key(positiveInt(900_000), {
    description: 'Journal entries older than this (ms) are folded into per-account checkpoints.',
  }),
  snapshot: z
    .strictObject({
      intervalMs: key(nonNegativeInt(0), {
        description: 'Write a verified ledger snapshot to <dataDir>/ledger-snapshots every this many ms (0: off); ledger salvage starts from the newest.',
      }),
      keep: key(positiveInt(3), { description: 'How many scheduled ledger snapshots to keep (the oldest are deleted).' }),
    })
    .prefault({}),
});

/** The config object before the computed defaults (ilpAddress, dataDir) are resolved. */
export const baseConfigSchema = z.strictObject({
  nodeId: key(idField().default('agent-runtime'), {
    type: 'id',
    description: 'This node: its BTP username, its address segment, its data folder.',
  }),
  ilpAddress: key(
    z
      .string()
      .max(MAX_ADDRESS_LENGTH)
      .regex(ILP_ADDRESS_PATTERN, 'must be an ILP address such as g.my-node (scheme, then .segments)')
      .optional(),
    {
      description: 'Our ILP address. Unset with a parent peer: learned from the parent by ILDCP.',
      default: 'g.<nodeId> (learned by ILDCP with a parent peer)',
      type: 'ILP address',
    },
  ),
  assetCode: key(z.string().min(1).default('USD'), { description: 'The one asset every peer of this node uses.' }),
  assetScale: key(z.int().min(0).max(255).default(9), {
    description: 'Decimal places of the asset: an amount of 1 is 10^-assetScale of a unit.',
  }),
  feeBps: key(z.int().min(0).max(10_000).default(10), {
    description: 'Fee kept on forwarded packets, in basis points of the amount (10 = 0.1%), rounded down.',
  }),
  dataDir: key(z.string().min(1).optional(), {
    type: 'path',
    description: 'Folder of the ledger and runtime state; relative paths resolve against the cwd.',
    default: './data/<nodeId>',
  }),
  logLevel: key(z.enum(LOG_LEVELS).default('info'), { description: 'Least severe log level written.' }),
  btpServerPort: key(portField(3000), { description: 'BTP WebSocket port peers dial (0 = any free port).' }),
  btpServerHost: key(hostField('127.0.0.1'), {
    type: 'host',
    description: 'BTP bind address; 0.0.0.0 accepts remote peers.',
  }),
  healthCheckPort: key(portField(8080), {
    description: 'Port of /health, /health/live, /health/ready and /metrics (0 = any free port).',
  }),
  healthCheckHost: key(hostField('127.0.0.1'), { type: 'host', description: 'Health server bind address.' }),
  peers: z.array(peerSchema).default([]),
  routes: z.array(routeSchema).default([]),
  localDelivery: localDeliverySchema.prefault({}),
  adminApi: adminApiSchema.prefault({}),
  explorer: explorerSchema.prefault({}),
  metrics: metricsSchema.prefault({}),
  settlement: settlementSchema.prefault({}),
  security: securitySchema.prefault({}),
  performance: performanceSchema.prefault({}),
  ledger: ledgerSchema.prefault({}),
  policies: policiesSchema.prefault({}),
  rates: ratesSchema.prefault({}),
  routing: routingSchema.prefault({}),
  http: httpSchema.prefault({}),
  cluster: clusterSchema.prefault({}),
});

/** The parsed config before computed defaults; what the cross-field rules see. */
export type BaseConfig = z.output<typeof baseConfigSchema>;

/**
 * The node config schema. Output: every default applied, amounts as bigint, `ilpAddress`
 * `g.<nodeId>` (undefined with a parent: learn it by ILDCP), `dataDir` `data/<nodeId>`
 * (the loader makes it absolute against its cwd).
 */
export const configSchema = baseConfigSchema.superRefine(checkRules).superRefine(checkAgentRules).superRefine(checkClusterRules).transform((c) => {
  const hasParent = c.peers.some((p) => p.relation === 'parent');
  return {
    ...c,
    ilpAddress: c.ilpAddress ?? (hasParent ? undefined : `g.${c.nodeId}`),
    dataDir: c.dataDir ?? `data/${c.nodeId}`,
    rates: { ...c.rates, base: c.rates.base ?? c.assetCode },
  };
});

/** Makes every property and array of a type read-only, all the way down. */
export type DeepReadonly<T> = T extends bigint | string | number | boolean | symbol | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : { readonly [K in keyof T]: DeepReadonly<T[K]> };

/** The resolved, frozen node config the rest of the program reads. */
export type NodeConfig = DeepReadonly<z.output<typeof configSchema>>;
/**
 * A peer as written in a file or object: `authToken` may be left out when
 * `BTP_PEER_<ID>_SECRET` provides it (the loader fills it in before validation).
 */
export type PeerConfigInput = z.input<typeof peerSchema>;
/** What a config file or a config object may contain (every default optional). */
export type NodeConfigInput = Omit<z.input<typeof configSchema>, 'peers'> & { peers?: PeerConfigInput[] };
/** One resolved peer. */
export type PeerConfig = NodeConfig['peers'][number];
/** One resolved route. */
export type RouteConfig = NodeConfig['routes'][number];
/** A route as given in a file, an object or at runtime (priority optional). */
export type RouteConfigInput = z.input<typeof routeSchema>;
