/**
 * The one catalogue of coded errors shared by the CLI and the node.
 *
 * Codes are stable: scripts match on them (`--json` output, the admin API's `code` field), so a code is
 * never renamed or reused. Messages are templates: `{name}` is replaced by `details.name`.
 * Exit codes: 1 = the operation failed, 2 = the invocation or the configuration is wrong (fix and rerun).
 * Every code is documented in docs/errors.md; a test keeps the two in step.
 *
 * The node, the ledger, settlement and the CLI all throw these codes (as AppErrors, or the ledger's
 * LedgerError, which is one); the admin API answers them as `{error, message, code}` and the CLI's
 * admin client turns that body back into the same AppError, so a code reaches `--json` unchanged.
 * Entries may live in sibling files (catalogue-ledger.ts) spread into `entries` below. ILP reject
 * codes (F02, T04, ...) are not catalogue codes: see ilp-codes.ts.
 */
import { assetEntries } from './catalogue-assets.js';
import { chainEntries } from './catalogue-chain.js';
import { ledgerEntries } from './catalogue-ledger.js';
import { ledgerPostgresEntries } from './catalogue-ledger-postgres.js';
import { clusterEntries } from './catalogue-cluster.js';

/** One catalogue entry. */
export interface CatalogueEntry {
  /** Message template; `{key}` placeholders are filled from the details. */
  readonly message: string;
  /** Process exit code when a CLI command fails with this error. */
  readonly exitCode: 1 | 2;
  /** What the user can do about it (shown by the CLI under the message). */
  readonly suggestion?: string;
  /** HTTP status when the admin API answers with this error. */
  readonly httpStatus?: number;
  /** The `error` field of the admin API's `{error, message, code}` body. */
  readonly httpError?: string;
}

const entries = {
  // configuration and invocation
  CONFIG_INVALID: {
    message: 'Invalid configuration: {details}',
    exitCode: 2,
    suggestion: 'Run `agent-runtime validate` to see every problem with its path.',
  },
  CONFIG_NOT_FOUND: {
    message: 'Config file not found: {path}',
    exitCode: 2,
    suggestion: 'Pass --config <file>, set AGENT_RUNTIME_CONFIG, or run `agent-runtime setup` to write one.',
  },
  SECRET_MISSING: {
    message: 'Secret {name} is referenced by the config but not set',
    exitCode: 2,
    suggestion: 'Set it in the environment or in the .env file next to the config (`agent-runtime setup` writes it).',
  },
  UNKNOWN_COMMAND: {
    message: 'Unknown command: {command}',
    exitCode: 2,
    suggestion: 'Did you mean `agent-runtime {closest}`? `agent-runtime --help` lists every command.',
  },
  INVALID_ARGUMENT: {
    message: 'Invalid {field}: {reason}',
    exitCode: 2,
    httpStatus: 400,
    httpError: 'BadRequest',
    suggestion: 'Check the value against `--help` or docs/errors.md.',
  },
  PAYLOAD_TOO_LARGE: {
    message: 'Request body is larger than {limit} bytes',
    exitCode: 2,
    httpStatus: 413,
    httpError: 'PayloadTooLarge',
    suggestion: 'Send less data: ILP packet data is limited to 32767 bytes.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    message: 'Unsupported Content-Type {contentType}',
    exitCode: 2,
    httpStatus: 415,
    httpError: 'UnsupportedMediaType',
    suggestion: "Send JSON with the header 'Content-Type: application/json'.",
  },
  FILE_EXISTS: {
    message: '{path} already exists',
    exitCode: 2,
    suggestion: 'Pass --force to overwrite it (new secrets are generated), or choose another --output-dir.',
  },
  CHAIN_SDK_MISSING: {
    message: 'Settlement on {chain} needs the package {pkg}, which is not installed',
    exitCode: 2,
    suggestion: 'Install it next to agent-runtime: npm install {pkg}',
  },

  // reaching and talking to a running node
  NODE_UNREACHABLE: {
    message: 'Cannot reach the node at {url}',
    exitCode: 1,
    suggestion: 'Is the node running (`agent-runtime start`)? Check --url or AGENT_RUNTIME_URL (default http://127.0.0.1:8081).',
  },
  UNEXPECTED_RESPONSE: {
    message: 'The server at {url} did not answer like an agent-runtime admin API (HTTP {status})',
    exitCode: 1,
    suggestion: 'Point --url (or AGENT_RUNTIME_URL) at the admin API (adminApi.port, default 8081), not the BTP or health port.',
  },
  WRONG_NODE: {
    message: 'The node at {url} is {actual}, but {config} is the config of {expected}',
    exitCode: 2,
    suggestion: 'Start {expected} (`agent-runtime start --config {config}`), or name the node you mean with --url or --config.',
  },
  NO_ADMIN_API: {
    message: '{config} gives the CLI no admin address for {nodeId}: {reason}',
    exitCode: 2,
    suggestion: 'Set adminApi.enabled: true and a fixed adminApi.port in the config and restart the node, or pass --url.',
  },
  NODE_UNHEALTHY: {
    message: 'The node is {status}: {reasons}',
    exitCode: 1,
    suggestion: 'See `agent-runtime peers list` for disconnected peers and the node log for details.',
  },
  UNAUTHORIZED: {
    message: 'Invalid or missing API key',
    exitCode: 1,
    httpStatus: 401,
    httpError: 'Unauthorized',
    suggestion: 'Send the key in the X-Api-Key header (the CLI reads --api-key or AGENT_RUNTIME_API_KEY).',
  },
  API_KEY_IN_QUERY: {
    message: 'API keys are not accepted in the query string',
    exitCode: 2,
    httpStatus: 401,
    httpError: 'Unauthorized',
    suggestion: 'Send the key in the X-Api-Key header instead: URLs end up in logs and browser history.',
  },
  FORBIDDEN: {
    message: 'IP address not allowed',
    exitCode: 1,
    httpStatus: 403,
    httpError: 'Forbidden',
    suggestion: "Add the client's address or network to adminApi.allowedIps.",
  },
  TOO_MANY_AUTH_FAILURES: {
    message: 'Too many wrong API keys from this address: try again in {retryAfter} s',
    exitCode: 1,
    httpStatus: 429,
    httpError: 'TooManyRequests',
    suggestion: 'Check the key (AGENT_RUNTIME_API_KEY / --api-key); each further wrong key doubles the wait, up to a minute.',
  },
  SCOPE_DENIED: {
    message: "The API key '{key}' lacks the '{scope}' scope needed for {route}",
    exitCode: 1,
    httpStatus: 403,
    httpError: 'Forbidden',
    suggestion: "Use a key whose scopes include '{scope}' (adminApi.keys), or the operator's adminApi.apiKey.",
  },
  NOT_FOUND: {
    message: '{what} not found',
    exitCode: 1,
    httpStatus: 404,
    httpError: 'NotFound',
  },
  CONFLICT: {
    message: '{what} already exists',
    exitCode: 1,
    httpStatus: 409,
    httpError: 'Conflict',
  },
  NOT_READY: {
    message: 'The node is not ready yet',
    exitCode: 1,
    httpStatus: 503,
    httpError: 'NotReady',
    suggestion: 'Wait until `agent-runtime health` reports ready, then retry.',
  },
  NODE_NOT_STARTED: {
    message: 'The node is not started',
    exitCode: 1,
    httpStatus: 503,
    httpError: 'NotReady',
    suggestion: 'Call start() and wait for it to resolve before sending.',
  },
  INTERNAL: {
    message: 'Internal error',
    exitCode: 1,
    httpStatus: 500,
    httpError: 'InternalError',
    suggestion: 'This is a bug: please report it with the node log.',
  },

  // peers, routes, accounts, channels
  PEER_NOT_FOUND: {
    message: 'Peer not found: {peerId}',
    exitCode: 1,
    httpStatus: 404,
    httpError: 'NotFound',
    suggestion: 'List the configured peers with `agent-runtime peers list`.',
  },
  PEER_EXISTS: {
    message: 'Peer {peerId} already exists',
    exitCode: 1,
    httpStatus: 409,
    httpError: 'Conflict',
    suggestion: 'Change some of its fields with `agent-runtime peers update {peerId} …`, or replace it whole with `agent-runtime peers add {peerId} --replace …`.',
  },
  RUNTIME_STORE_FAILED: {
    message: 'Could not save the change to {file}: {reason}; nothing was changed',
    exitCode: 1,
    httpStatus: 500,
    httpError: 'StorageError',
    suggestion: 'Check that the data directory is writable and has free space, then retry.',
  },
  ROUTE_NOT_FOUND: {
    message: 'Route not found: {prefix}',
    exitCode: 1,
    httpStatus: 404,
    httpError: 'NotFound',
    suggestion: 'List the routes with `agent-runtime routes list`.',
  },
  ACCOUNT_NOT_FOUND: {
    message: 'Account not found: {account}',
    exitCode: 1,
    httpStatus: 404,
    httpError: 'NotFound',
    suggestion: 'List the accounts with `agent-runtime balances`.',
  },
  CHANNEL_NOT_FOUND: {
    message: 'Channel not found: {channelId}',
    exitCode: 1,
    httpStatus: 404,
    httpError: 'NotFound',
    suggestion: 'List the channels with `agent-runtime channels list`.',
  },
  CHANNEL_EXISTS: {
    message: 'A channel to {peerId} on {chain} already exists: {channelId}',
    exitCode: 1,
    httpStatus: 409,
    httpError: 'Conflict',
    suggestion: 'Fund the existing channel with `agent-runtime channels deposit` instead.',
  },
  SETTLEMENT_DISABLED: {
    message: 'Settlement is not enabled on this node',
    exitCode: 1,
    httpStatus: 503,
    httpError: 'NotReady',
    suggestion: 'Set settlement.enabled and a chain section in the config, then restart the node.',
  },
  SETTLEMENT_FAILED: {
    message: 'Settlement with {peerId} failed: {reason}',
    exitCode: 1,
    suggestion: 'Check the chain RPC and the wallet balance; the claim is retried automatically.',
  },

  // rates
  RATES_INVALID: {
    message: 'Rates refused: {reason}',
    exitCode: 2,
    httpStatus: 400,
    httpError: 'BadRequest',
    suggestion: 'Send decimal strings greater than 0, quoted against the node\'s rates.base: {"rates": {"XRP": "1.923077"}}.',
  },

  // sending
  SEND_FAILED: {
    message: 'Payment to {destination} was rejected: {ilpCode} {reason}',
    exitCode: 1,
    suggestion: 'F02: no route (check `agent-runtime routes list`); T04: credit limit reached; R00: timed out.',
  },
  TIMEOUT: {
    message: '{operation} timed out after {ms} ms',
    exitCode: 1,
    suggestion: 'Retry, or raise the timeout (--timeout).',
  },

  // ledger and processes
  LEDGER_IN_USE: {
    message: 'The ledger in {dataDir} is held by another process',
    exitCode: 1,
    suggestion: 'A node is probably running with this data directory: stop it, or run the command against it with --url.',
  },
  LEDGER_OPEN_FAILED: {
    message: 'Cannot open the ledger in {dataDir}: {reason}',
    exitCode: 1,
    suggestion: 'Check the directory exists and is writable; `agent-runtime ledger verify` checks its contents.',
  },
  LEDGER_CORRUPT: {
    message: 'The ledger in {dataDir} is damaged: {file} at offset {offset}: {reason}',
    exitCode: 1,
    suggestion: 'The damaged files were copied aside (ledger-damaged-<time> in the data directory). Rebuild from what is intact with `agent-runtime ledger salvage --out <empty dir>` (it adds the newest scheduled snapshot and reports the gap per peer), or restore an export with `agent-runtime ledger import`; keep the copy until you have reconciled with your peers.',
  },
  LEDGER_FORMAT_NEWER: {
    message: 'The ledger in {dataDir} is in store format {version}; this build of agent-runtime reads formats up to {supported}',
    exitCode: 1,
    suggestion: 'Upgrade agent-runtime (npm install -g agent-runtime@latest) to the version that wrote this store, or point dataDir elsewhere. Nothing in the store was changed.',
  },
  LEDGER_UNBALANCED: {
    message: 'The ledger does not balance: accounts sum to {sum}',
    exitCode: 1,
    suggestion: 'Restore from an export (`agent-runtime ledger import`) and report the bug.',
  },
  LEDGER_NOT_FOUND: {
    message: 'No ledger in {dataDir}',
    exitCode: 2,
    suggestion: "Point --data-dir (or dataDir in --config) at a node's data directory (it holds ledger/ once the node has run), or pass --url to ask a running node.",
  },
  LEDGER_NOT_EMPTY: {
    message: 'The ledger in {dataDir} already holds data',
    exitCode: 2,
    suggestion: 'Import into an empty data directory (export the current one and move it away first).',
  },
  LEDGER_SNAPSHOT_INVALID: {
    message: 'Invalid ledger snapshot {file}: {reason}',
    exitCode: 2,
    suggestion: 'Import a file written by `agent-runtime ledger export`, unmodified.',
  },
  LEDGER_IMPORT_REFUSED: {
    message: 'A running node does not import ledger snapshots',
    exitCode: 1,
    httpStatus: 409,
    httpError: 'Conflict',
    suggestion: 'Stop the node, then run `agent-runtime ledger import <file> --data-dir <its dataDir>` into an empty data directory.',
  },
  PORT_IN_USE: {
    message: '{listener} cannot listen on {host}:{port}: the port is in use',
    exitCode: 1,
    suggestion: 'Stop whatever holds the port (another node?) or choose another port in the config.',
  },
  ...ledgerEntries,
  ...assetEntries,
  ...chainEntries,
  ...ledgerPostgresEntries,
  ...clusterEntries,
} as const satisfies Record<string, CatalogueEntry>;

/** A stable error code. */
export type ErrorCode = keyof typeof entries;

/** Every coded error, by code. */
export const catalogue: Readonly<Record<ErrorCode, CatalogueEntry>> = Object.freeze(entries);

/** Type guard: is `code` a catalogue code? */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(catalogue, code);
}
